"""Customer care (domain §14): festivals for greetings, the yearly customer meetings."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models import Department
from customers.models import Customer


class Festival(models.Model):
    """A festival of the greeting list. Fixed-date ones have month/day; lunar ones take their
    dates per year from FestivalDate (kept by the administrator, seeded 2025–2028)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=30)
    month = models.PositiveSmallIntegerField(_("month (fixed date)"), null=True, blank=True)
    day = models.PositiveSmallIntegerField(_("day (fixed date)"), null=True, blank=True)
    is_active = models.BooleanField(_("greet on it"), default=True)

    class Meta:
        verbose_name = _("festival")
        verbose_name_plural = _("festivals")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(month__isnull=True) & models.Q(day__isnull=True))
                | (models.Q(month__gte=1, month__lte=12) & models.Q(day__gte=1, day__lte=31)),
                name="engagement_festival_fixed_date_valid",
            ),
        ]

    def __str__(self):
        return self.name


class FestivalDate(models.Model):
    """The date of a (lunar) festival in one year."""

    festival = models.ForeignKey(
        Festival, verbose_name=_("festival"), on_delete=models.CASCADE, related_name="dates"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    date = models.DateField(_("date"))

    class Meta:
        verbose_name = _("festival date")
        verbose_name_plural = _("festival dates")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["festival", "year"], name="engagement_festivaldate_one_per_year")
        ]

    def __str__(self):
        return f"{self.festival} {self.date:%Y-%m-%d}"


class MeetingKind(models.TextChoices):
    ORDER_FAIR = "order_fair", _("Order fair")
    EXCHANGE = "exchange", _("Customer exchange meeting")


class CustomerMeeting(models.Model):
    """The yearly customer meeting of a department (订货会/交流会, §14)."""

    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=MeetingKind.choices, default=MeetingKind.ORDER_FAIR
    )
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer meeting")
        verbose_name_plural = _("customer meetings")
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=MeetingKind.values), name="engagement_customermeeting_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["department", "held_on"], name="eng_meeting_dept_idx")]

    def __str__(self):
        return f"{self.title} {self.held_on:%Y-%m-%d}"


class MeetingInvitation(models.Model):
    """A customer invited to a meeting, and whether it came."""

    meeting = models.ForeignKey(
        CustomerMeeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="invitations"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    attended = models.BooleanField(_("came"), default=False)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["customer__name"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "customer"], name="engagement_meetinginvitation_once")
        ]

    def __str__(self):
        return f"{self.meeting} · {self.customer}"
