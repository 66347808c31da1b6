"""The contact log (沟通记录, domain §9) and the policy of the key-account numbers."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models import SingletonPolicy
from customers.models import Contact, Customer, CustomerTier


class ContactMode(models.TextChoices):
    PHONE = "phone", _("Phone call")
    WECHAT = "wechat", _("WeChat")
    EMAIL = "email", _("E-mail")
    MEETING = "meeting", _("Meeting")
    VISIT = "visit", _("On-site visit")


class ContactRecord(models.Model):
    """One contact with a customer by one person. Visit reports are recorded here too (mode visit)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="contact_records"
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contact_records",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contacted by"),
        on_delete=models.PROTECT,
        related_name="contact_records",
    )
    mode = models.CharField(_("mode"), max_length=20, choices=ContactMode.choices)
    contacted_at = models.DateTimeField(_("contacted at"))
    summary = models.TextField(_("what was said"), blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    next_step_on = models.DateField(_("next step by"), null=True, blank=True)
    # What recorded it when not typed by hand: "visit:<report id>" (a visit report counts as a
    # contact), "greeting:<kind>:<key>:<contact id>" (a greeting marked as sent). Unique, so a
    # repeated call records nothing twice.
    source = models.CharField(_("source"), max_length=80, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contact record")
        verbose_name_plural = _("contact records")
        ordering = ["-contacted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source"],
                condition=~models.Q(source=""),
                name="engagement_contactrecord_one_per_source",
            ),
            models.CheckConstraint(
                condition=models.Q(mode__in=["phone", "wechat", "email", "meeting", "visit"]),
                name="engagement_contactrecord_mode_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-contacted_at"], name="eng_contact_customer_idx"),
            models.Index(fields=["user", "-contacted_at"], name="eng_contact_user_idx"),
        ]

    def __str__(self):
        return f"{self.customer} {self.get_mode_display()} {self.contacted_at:%Y-%m-%d}"

    @property
    def visit_report_id(self) -> int | None:
        """The visit report this contact was recorded from (source "visit:<id>"), if any."""
        if self.source.startswith("visit:"):
            return int(self.source.split(":", 1)[1])
        return None


TIER_VALUES = [t.value for t in CustomerTier]


class EngagementPolicy(SingletonPolicy):
    """The numbers of §9 and §14 that are not cadence rows, editable by the administrator."""

    due_ahead_days = models.PositiveSmallIntegerField(
        _("remind of a due contact (days ahead)"),
        default=2,
        help_text=_("A contact due within this many days is put in the person's digest."),
    )
    greeting_ahead_days = models.PositiveSmallIntegerField(_("greeting reminder (days ahead)"), default=3)

    class Meta:
        verbose_name = _("key-account policy")
        verbose_name_plural = _("key-account policy")

    def __str__(self):
        return str(self._meta.verbose_name)
