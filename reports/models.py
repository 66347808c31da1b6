"""Development plans (客户开发计划, §11) and periodic reports (报表, §12)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models import Department, Role
from customers.models import Customer


class PlanDimension(models.TextChoices):
    GRADE = "grade", _("Grade")
    TIER = "tier", _("Tier")
    INDUSTRY = "industry", _("Industry")
    REGION = "region", _("Region (province)")
    NEW_CUSTOMERS = "new_customers", _("New customers per salesperson")


class DevelopmentPlan(models.Model):
    """The department head's plan for a year: target customer structure and new customers."""

    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="development_plans"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    notes = models.TextField(_("notes"), blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("set by"), on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("development plan")
        verbose_name_plural = _("development plans")
        ordering = ["-year", "department__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "year"], name="reports_developmentplan_one_per_year"
            ),
        ]

    def __str__(self):
        return f"{self.department} {self.year}"


class PlanTarget(models.Model):
    """One target: a count or a share (percent of the department's active customers) for one key.

    `key` is a grade (A–D), a tier code, an industry, a province, or a salesperson's user id.
    """

    plan = models.ForeignKey(
        DevelopmentPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="targets"
    )
    dimension = models.CharField(_("dimension"), max_length=20, choices=PlanDimension.choices)
    key = models.CharField(_("value"), max_length=60)
    target_count = models.PositiveIntegerField(_("target count"), null=True, blank=True)
    target_share = models.DecimalField(
        _("target share (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("plan target")
        verbose_name_plural = _("plan targets")
        ordering = ["dimension", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "dimension", "key"], name="reports_plantarget_once_per_key"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(target_count__isnull=False, target_share__isnull=True)
                    | models.Q(target_count__isnull=True, target_share__isnull=False)
                ),
                name="reports_plantarget_count_or_share",
            ),
            models.CheckConstraint(
                condition=models.Q(target_share__isnull=True)
                | models.Q(target_share__gte=0, target_share__lte=100),
                name="reports_plantarget_share_0_100",
            ),
            models.CheckConstraint(
                condition=~models.Q(dimension="new_customers") | models.Q(target_share__isnull=True),
                name="reports_plantarget_new_customers_by_count",
            ),
            models.CheckConstraint(
                condition=models.Q(dimension__in=PlanDimension.values),
                name="reports_plantarget_dimension_valid",
            ),
        ]

    def __str__(self):
        return f"{self.get_dimension_display()} {self.key}"


class Period(models.TextChoices):
    MONTH = "month", _("Monthly")
    QUARTER = "quarter", _("Quarterly")
    HALF_YEAR = "half_year", _("Half-yearly")


class ReportKind(models.Model):
    """A kind of periodic report, a policy row: its period, who submits and reviews, the due day.

    `code` names the function that fills its figures (reports/figures.py); the administrator may
    change the name, roles, due day or switch a kind off, not invent new figures.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    period = models.CharField(_("period"), max_length=20, choices=Period.choices)
    submitter_role = models.CharField(
        _("submitted by"), max_length=20, choices=Role.choices, default=Role.MANAGER
    )
    reviewer_role = models.CharField(
        _("reviewed by"), max_length=20, choices=Role.choices, default=Role.GM_OFFICE
    )
    due_day = models.PositiveSmallIntegerField(
        _("due on day"),
        default=10,
        help_text=_("Day of the month after the period ends (10: due 10 July for January–June)."),
    )
    per_key_customer = models.BooleanField(_("one per strategic/key customer"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=10)

    class Meta:
        verbose_name = _("report kind")
        verbose_name_plural = _("report kinds")
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due_day__gte=1, due_day__lte=28), name="reports_reportkind_due_day_1_28"
            ),
            models.CheckConstraint(
                condition=models.Q(period__in=Period.values), name="reports_reportkind_period_valid"
            ),
        ]

    def __str__(self):
        return self.name


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("To be submitted")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    APPROVED = "approved", _("Approved")


class Report(models.Model):
    """One periodic report of a department (and, for the key-account report, one customer).

    `figures` is filled by the job when the period ends, refreshed while the report is a draft
    and frozen when it is submitted: later corrections do not rewrite what was approved.
    """

    kind = models.ForeignKey(
        ReportKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="reports"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="periodic_reports"
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="periodic_reports",
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    due_on = models.DateField(_("due on"), db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    figures = models.JSONField(_("figures"), default=dict)
    figures_at = models.DateTimeField(_("figures as of"))
    commentary = models.TextField(_("commentary"), blank=True)
    problems = models.TextField(_("problems found / still open"), blank=True)
    measures = models.TextField(_("improvement measures / next period's plan"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = models.TextField(_("reviewer's comment"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("periodic report")
        verbose_name_plural = _("periodic reports")
        ordering = ["-period_end", "kind__order", "department__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "department", "period_start"],
                condition=models.Q(customer__isnull=True),
                name="reports_report_once_per_period",
            ),
            models.UniqueConstraint(
                fields=["kind", "customer", "period_start"],
                condition=models.Q(customer__isnull=False),
                name="reports_report_once_per_customer_period",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="reports_report_period_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ReportStatus.values), name="reports_report_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | models.Q(submitted_at__isnull=False, submitted_by__isnull=False),
                name="reports_report_submitted_has_submitter",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["approved", "returned"])
                | models.Q(reviewed_at__isnull=False),
                name="reports_report_decided_has_reviewer",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="reports_report_status_due_idx")]

    def __str__(self):
        who = self.customer.name if self.customer_id else self.department.name
        return f"{self.kind.name} · {who} · {self.period_start:%Y-%m}"

    @property
    def is_editable(self) -> bool:
        return self.status in (ReportStatus.DRAFT, ReportStatus.RETURNED)
