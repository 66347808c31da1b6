"""Visits (客户拜访), domain §5: plans, reports with next steps and photos, the cadence policy.

The last on-site visit of a customer lives on the customer row (`last_onsite_visit_on`), kept
by `customers.services.customer_onsite_visit_record`, which the report service calls; the
overdue rule and every list read that column instead of scanning the reports.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.date_bounds import TypedDateBounds, date_bounds_q, datetime_bounds_q
from crm.models import SingletonPolicy, StoredFile
from customers.models import Contact, Customer, Grade


class VisitPolicy(SingletonPolicy):
    """拜访频次: how often a customer of each grade must be visited on site (empty: no rule)."""

    grade_a_days = models.PositiveSmallIntegerField(
        _("grade A: on-site visit every (days)"), null=True, blank=True, default=60
    )
    grade_b_days = models.PositiveSmallIntegerField(
        _("grade B: on-site visit every (days)"), null=True, blank=True, default=60
    )
    grade_c_days = models.PositiveSmallIntegerField(
        _("grade C: on-site visit every (days)"), null=True, blank=True, default=365
    )
    grade_d_days = models.PositiveSmallIntegerField(
        _("grade D: on-site visit every (days)"),
        null=True,
        blank=True,
        default=None,
        help_text=_("Leave empty for no requirement."),
    )

    checkin_max_distance_m = models.PositiveIntegerField(
        _("check-in: farthest distance from the customer (metres)"),
        default=1000,
        help_text=_(
            "An on-site report checked in farther than this, or without a position, is marked for the manager."
        ),
    )

    class Meta:
        verbose_name = _("visit cadence policy")
        verbose_name_plural = _("visit cadence policy")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(grade_a_days__isnull=True) | models.Q(grade_a_days__gte=1))
                & (models.Q(grade_b_days__isnull=True) | models.Q(grade_b_days__gte=1))
                & (models.Q(grade_c_days__isnull=True) | models.Q(grade_c_days__gte=1))
                & (models.Q(grade_d_days__isnull=True) | models.Q(grade_d_days__gte=1)),
                name="visits_visitpolicy_positive_intervals",
            ),
            models.CheckConstraint(
                condition=models.Q(checkin_max_distance_m__gte=10),
                name="visits_visitpolicy_checkin_distance_min",
            ),
        ]

    def __str__(self):
        return str(self._meta.verbose_name)

    def intervals(self) -> dict[str, int]:
        """Grade → interval in days, only for grades that have a requirement."""
        values = {
            Grade.A: self.grade_a_days,
            Grade.B: self.grade_b_days,
            Grade.C: self.grade_c_days,
            Grade.D: self.grade_d_days,
        }
        return {grade: days for grade, days in values.items() if days}


class PlanStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    CONFIRMED = "confirmed", _("Confirmed")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class VisitPlan(models.Model):
    """拜访计划: who will visit whom, when, to talk about what."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="visit_plans"
    )
    purpose = models.CharField(_("purpose"), max_length=200)
    planned_at = models.DateTimeField(_("planned date and time"), validators=[TypedDateBounds()])
    visitors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("visitors"), related_name="visit_plans"
    )
    contacts = models.ManyToManyField(
        Contact, verbose_name=_("contacts to meet"), related_name="visit_plans", blank=True
    )
    content = models.TextField(_("content to cover"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.PLANNED
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("visit plan")
        verbose_name_plural = _("visit plans")
        ordering = ["planned_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=datetime_bounds_q("planned_at"), name="visits_visitplan_planned_at_bounds"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=PlanStatus.values), name="visits_visitplan_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-planned_at"], name="visits_plan_customer_idx"),
            models.Index(fields=["status", "planned_at"], name="visits_plan_status_idx"),
        ]

    def __str__(self):
        return f"{self.customer} · {self.planned_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.status in (PlanStatus.PLANNED, PlanStatus.CONFIRMED)


class VisitMode(models.TextChoices):
    ONSITE = "onsite", _("On-site visit")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    VIDEO = "video", _("Video call")
    TRADE_FAIR = "trade_fair", _("Trade fair")
    CUSTOMER_VISIT = "customer_visit", _("Customer came to us")


class VisitPurpose(models.TextChoices):
    """What kind of contact a report records. RETURN_VISIT (回访): a complaint's (the complaints
    app, reference "complaint:<id>") or one the salesperson writes, with the customer's satisfaction."""

    REGULAR = "regular", _("Customer visit")
    RETURN_VISIT = "return_visit", _("Return visit")


class CooperationIntent(models.TextChoices):
    STRONG = "strong", _("Strong")
    MODERATE = "moderate", _("Moderate")
    WEAK = "weak", _("Weak")
    NONE = "none", _("None")


class VisitReport(models.Model):
    """客户拜访报告, written after every contact. Only on-site visits count for the cadence."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="visit_reports"
    )
    plan = models.OneToOneField(
        VisitPlan,
        verbose_name=_("visit plan"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="report",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="visit_reports",
    )
    purpose = models.CharField(
        _("kind"), max_length=20, choices=VisitPurpose.choices, default=VisitPurpose.REGULAR
    )
    # Free reference of the record that asked for this report, e.g. "complaint:42" for a 回访.
    reference = models.CharField(_("reference"), max_length=60, blank=True, db_index=True)
    visited_on = models.DateField(_("visit date"), validators=[TypedDateBounds(allow_future=False)])
    mode = models.CharField(_("mode"), max_length=20, choices=VisitMode.choices, default=VisitMode.ONSITE)
    contacts = models.ManyToManyField(
        Contact, verbose_name=_("people met"), related_name="visit_reports", blank=True
    )
    latest_needs = models.TextField(_("latest needs"), blank=True)
    opinions = models.TextField(_("opinions and suggestions"), blank=True)
    problems = models.TextField(_("problems raised"), blank=True)
    competitor_news = models.TextField(_("competitor news"), blank=True)
    cooperation_intent = models.CharField(
        _("cooperation intent"), max_length=20, choices=CooperationIntent.choices, blank=True
    )
    summary = models.TextField(_("other notes"), blank=True)
    # 外勤签到: the phone's position when the report was started (with consent), never tracked.
    checkin_latitude = models.FloatField(_("check-in latitude"), null=True, blank=True)
    checkin_longitude = models.FloatField(_("check-in longitude"), null=True, blank=True)
    checkin_accuracy_m = models.PositiveIntegerField(_("check-in accuracy (m)"), null=True, blank=True)
    checkin_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checkin_distance_m = models.PositiveIntegerField(
        _("distance from the customer (m)"), null=True, blank=True
    )
    # Marked for the manager: an on-site report without a position or farther than the policy distance.
    checkin_flagged = models.BooleanField(_("check-in marked for the manager"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("visit report")
        verbose_name_plural = _("visit reports")
        ordering = ["-visited_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=date_bounds_q("visited_on"), name="visits_visitreport_visited_on_bounds"
            ),
            models.CheckConstraint(
                condition=models.Q(mode__in=VisitMode.values), name="visits_visitreport_mode_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(purpose__in=VisitPurpose.values), name="visits_visitreport_purpose_valid"
            ),
            # A position is whole (both coordinates) and on the globe.
            models.CheckConstraint(
                condition=(models.Q(checkin_latitude__isnull=True) & models.Q(checkin_longitude__isnull=True))
                | (
                    models.Q(checkin_latitude__gte=-90, checkin_latitude__lte=90)
                    & models.Q(checkin_longitude__gte=-180, checkin_longitude__lte=180)
                ),
                name="visits_visitreport_checkin_position_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-visited_on"], name="visits_report_customer_idx"),
            models.Index(fields=["author", "-visited_on"], name="visits_report_author_idx"),
            # Covering (PostgreSQL; SQLite ignores `include`): the 工作台's counts per month and
            # author read the index alone, not a year of reports from the table (issue 21).
            models.Index(
                fields=["visited_on", "mode"],
                include=["customer", "author", "id", "checkin_flagged"],
                name="visits_report_date_cover_idx",
            ),
        ]
        permissions = [("export_visits", _("Can export visit reports"))]

    def __str__(self):
        return f"{self.customer} · {self.visited_on} · {self.get_mode_display()}"

    @property
    def complaint_id(self) -> int | None:
        """The complaint ticket this 回访 answers (reference "complaint:<id>"), if any."""
        kind, _sep, pk = self.reference.partition(":")
        return int(pk) if kind == "complaint" and pk.isdigit() else None

    @property
    def is_onsite(self) -> bool:
        return self.mode == VisitMode.ONSITE


class NextStep(models.Model):
    """A next step agreed in a visit (下一步计划), with its owner and due date."""

    report = models.ForeignKey(
        VisitReport, verbose_name=_("visit report"), on_delete=models.CASCADE, related_name="next_steps"
    )
    text = models.CharField(_("next step"), max_length=300)
    due_on = models.DateField(_("due date"), validators=[TypedDateBounds()])
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="visit_next_steps",
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=date_bounds_q("due_on"), name="visits_nextstep_due_on_bounds"),
        ]
        verbose_name = _("next step")
        verbose_name_plural = _("next steps")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["owner", "done_at", "due_on"], name="visits_nextstep_owner_idx")]

    def __str__(self):
        return self.text


def attachment_upload_to(instance, filename):
    # Never the uploader's file name (path tricks, overwrites).
    import uuid

    return f"visits/{instance.report.customer_id}/{uuid.uuid4().hex}"


class VisitAttachment(StoredFile):
    """A photo or document of a visit; served only to users who may see the customer."""

    report = models.ForeignKey(
        VisitReport, verbose_name=_("visit report"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_upload_to, max_length=200)

    class Meta:
        verbose_name = _("visit attachment")
        verbose_name_plural = _("visit attachments")
        ordering = ["id"]

    def __str__(self):
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class LocationSource(models.TextChoices):
    ASSISTANT = "assistant", _("Set by the office")
    CHECKIN = "checkin", _("Proposed by a check-in")


class CustomerLocation(models.Model):
    """Where a customer is (for check-in distances and 附近客户).

    Set by the assistant (or a manager), or proposed by the first checked-in on-site visit and
    used only once the manager has confirmed it.
    """

    customer = models.OneToOneField(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="location"
    )
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    source = models.CharField(_("source"), max_length=20, choices=LocationSource.choices)
    confirmed = models.BooleanField(_("confirmed"), default=False)
    proposed_by_report = models.ForeignKey(
        VisitReport,
        verbose_name=_("proposed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("set by"), on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("customer location")
        verbose_name_plural = _("customer locations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180
                ),
                name="visits_customerlocation_on_globe",
            ),
            models.CheckConstraint(
                condition=models.Q(source__in=LocationSource.values),
                name="visits_customerlocation_source_valid",
            ),
            # What the office typed is confirmed by definition; a check-in's proposal waits for the manager.
            models.CheckConstraint(
                condition=~models.Q(source=LocationSource.ASSISTANT, confirmed=False),
                name="visits_customerlocation_office_confirmed",
            ),
        ]
        indexes = [models.Index(fields=["confirmed"], name="visits_location_confirmed_idx")]

    def __str__(self):
        return f"{self.customer} ({self.latitude:.5f}, {self.longitude:.5f})"


class CalendarFeed(models.Model):
    """A user's secret iCal address (日历订阅). Revoking deletes the row: the old address is a 404."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    token = models.CharField(_("token"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [models.UniqueConstraint(fields=["token"], name="visits_calendarfeed_token_unique")]

    def __str__(self):
        return str(self.user)
