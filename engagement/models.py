"""The contact log (沟通记录, domain §9): every call, WeChat, e-mail or meeting with a customer."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.models import Contact, Customer


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
        Contact, verbose_name=_("contact person"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="contact_records",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("contacted by"), on_delete=models.PROTECT,
        related_name="contact_records",
    )
    mode = models.CharField(_("mode"), max_length=20, choices=ContactMode.choices)
    contacted_at = models.DateTimeField(_("contacted at"))
    summary = models.TextField(_("what was said"), blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    next_step_on = models.DateField(_("next step by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contact record")
        verbose_name_plural = _("contact records")
        ordering = ["-contacted_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-contacted_at"], name="eng_contact_customer_idx"),
            models.Index(fields=["user", "-contacted_at"], name="eng_contact_user_idx"),
        ]

    def __str__(self):
        return f"{self.customer} {self.get_mode_display()} {self.contacted_at:%Y-%m-%d}"
