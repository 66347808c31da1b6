"""Grading (客户分级, domain §3): policy, evaluation sheets, incidents, review rounds,
grade-change proposals with their approval steps, the grade history and demotion cases.

The grade itself lives on `customers.Customer.grade`; only an approved `GradeProposal` moves it
(grading.services.proposal_approve → customers.services.customer_grade_apply).
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm.date_bounds import TypedDateBounds, date_bounds_q
from crm.models import SingletonPolicy
from customers.models import Customer

GRADES = ["A", "B", "C", "D"]
GRADE_ORDER = {"A": 0, "B": 1, "C": 2, "D": 3, "": 4}


class GradingPolicy(SingletonPolicy):
    """The numbers of §3, editable by the administrator; every evaluation keeps a copy."""

    threshold_a = models.DecimalField(_("grade A from (yuan/year)"), max_digits=16, decimal_places=2, default=Decimal("3000000"))
    threshold_b = models.DecimalField(_("grade B from (yuan/year)"), max_digits=16, decimal_places=2, default=Decimal("1000000"))
    threshold_c = models.DecimalField(_("grade C from (yuan/year)"), max_digits=16, decimal_places=2, default=Decimal("500000"))
    weight_volume = models.PositiveSmallIntegerField(_("weight: business volume (%)"), default=40)
    weight_payment = models.PositiveSmallIntegerField(_("weight: payment record (%)"), default=25)
    weight_reputation = models.PositiveSmallIntegerField(_("weight: reputation (%)"), default=15)
    weight_loyalty = models.PositiveSmallIntegerField(_("weight: loyalty (%)"), default=10)
    weight_growth = models.PositiveSmallIntegerField(_("weight: growth potential (%)"), default=10)
    # The weighted score caps the grade the volume gives (a large but unreliable customer is not A).
    min_score_a = models.PositiveSmallIntegerField(_("minimum weighted score for A"), default=80)
    min_score_b = models.PositiveSmallIntegerField(_("minimum weighted score for B"), default=65)
    min_score_c = models.PositiveSmallIntegerField(_("minimum weighted score for C"), default=50)
    review_opens_month = models.PositiveSmallIntegerField(_("annual review opens: month"), default=3)
    review_opens_day = models.PositiveSmallIntegerField(_("annual review opens: day"), default=25)
    review_closes_month = models.PositiveSmallIntegerField(_("annual review closes: month"), default=3)
    review_closes_day = models.PositiveSmallIntegerField(_("annual review closes: day"), default=30)
    demotion_days = models.PositiveSmallIntegerField(_("days to demote an A customer after an incident"), default=5)
    new_customer_evaluation_months = models.PositiveSmallIntegerField(
        _("evaluate new customers after (months of cooperation)"), default=6
    )

    class Meta:
        verbose_name = _("grading policy")
        verbose_name_plural = _("grading policy")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weight_volume__lte=100) & models.Q(weight_payment__lte=100)
                & models.Q(weight_reputation__lte=100) & models.Q(weight_loyalty__lte=100)
                & models.Q(weight_growth__lte=100),
                name="grading_gradingpolicy_weights_at_most_100",
            ),
            models.CheckConstraint(
                condition=models.Q(threshold_a__gt=models.F("threshold_b")) & models.Q(threshold_b__gt=models.F("threshold_c"))
                & models.Q(threshold_c__gte=0),
                name="grading_gradingpolicy_thresholds_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(demotion_days__gte=1) & models.Q(new_customer_evaluation_months__gte=1),
                name="grading_gradingpolicy_periods_positive",
            ),
        ]

    def __str__(self):
        return str(self._meta.verbose_name)

    def clean(self):
        total = self.weight_volume + self.weight_payment + self.weight_reputation + self.weight_loyalty + self.weight_growth
        if total != 100:
            raise ValidationError(_("The indicator weights must add up to 100 (now %(total)d).") % {"total": total})
        if not (self.threshold_a > self.threshold_b > self.threshold_c >= 0):
            raise ValidationError(_("The thresholds must decrease from A to C."))
        if not (100 >= self.min_score_a >= self.min_score_b >= self.min_score_c):
            raise ValidationError(_("The minimum scores must decrease from A to C and be at most 100."))
        for month, day in ((self.review_opens_month, self.review_opens_day), (self.review_closes_month, self.review_closes_day)):
            if not (1 <= month <= 12 and 1 <= day <= 28 + (3 if month != 2 else 0)):
                raise ValidationError(_("The review window must name real dates."))
        if (self.review_closes_month, self.review_closes_day) < (self.review_opens_month, self.review_opens_day):
            raise ValidationError(_("The review window must close after it opens, within the year."))

    def snapshot(self) -> dict:
        """The values an evaluation used (kept on the evaluation: policies change, sheets do not)."""
        return {
            "thresholds": {
                grade: str(Decimal(value).quantize(Decimal("0.01")))
                for grade, value in (("A", self.threshold_a), ("B", self.threshold_b), ("C", self.threshold_c))
            },
            "weights": dict(self.weights()),
            "min_scores": {"A": self.min_score_a, "B": self.min_score_b, "C": self.min_score_c},
        }

    def weights(self) -> list[tuple[str, int]]:
        return [
            ("volume", self.weight_volume), ("payment", self.weight_payment), ("reputation", self.weight_reputation),
            ("loyalty", self.weight_loyalty), ("growth", self.weight_growth),
        ]


class ReviewRound(models.Model):
    """年度评审: one round a year, opened by the `annual-review` job or a manager."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    period_year = models.PositiveSmallIntegerField(_("figures of year"))
    opened_at = models.DateTimeField(_("opened at"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    closes_on = models.DateField(_("closes on"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("review round")
        verbose_name_plural = _("review rounds")
        ordering = ["-year"]

    def __str__(self):
        return _("Annual review %(year)s") % {"year": self.year}

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class EvaluationKind(models.TextChoices):
    MANUAL = "manual", _("Evaluation sheet")
    ANNUAL = "annual", _("Annual review")
    NEW_CUSTOMER = "new_customer", _("Six-month evaluation")


def _score_field(label):
    return models.PositiveSmallIntegerField(
        label, null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )


class Evaluation(models.Model):
    """客户质量等级评估表: one customer, one period (the yearly figures of `period_year`).

    Sheets filled in by a person carry the five indicator scores and their weighted score;
    the ones the system computes (annual review, six-month evaluation) rest on the figures only.
    """

    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="evaluations")
    kind = models.CharField(_("kind"), max_length=20, choices=EvaluationKind.choices, default=EvaluationKind.MANUAL)
    round = models.ForeignKey(
        ReviewRound, verbose_name=_("review round"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="evaluations",
    )
    period_year = models.PositiveSmallIntegerField(_("period (year)"))
    business_volume = models.DecimalField(_("business volume (yuan)"), max_digits=16, decimal_places=2, default=0)
    receivables = models.DecimalField(_("receivables (yuan)"), max_digits=16, decimal_places=2, default=0)
    overdue_payment_count = models.PositiveIntegerField(_("overdue payments"), default=0)
    overdue_pickup_count = models.PositiveIntegerField(_("overdue pickups"), default=0)
    score_volume = _score_field(_("business volume"))
    score_payment = _score_field(_("payment record"))
    score_reputation = _score_field(_("reputation"))
    score_loyalty = _score_field(_("loyalty"))
    score_growth = _score_field(_("growth potential"))
    weighted_score = models.DecimalField(_("weighted score"), max_digits=5, decimal_places=2, null=True, blank=True)
    grade_before = models.CharField(_("grade at evaluation"), max_length=1, blank=True)
    suggested_grade = models.CharField(_("suggested grade"), max_length=1)
    policy = models.JSONField(_("policy used"))
    notes = models.TextField(_("notes"), blank=True)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("evaluated by"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", help_text=_("Empty: computed by the system."),
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A rerun of a round finds its evaluations and adds none.
            models.UniqueConstraint(
                fields=["round", "customer"], condition=models.Q(round__isnull=False), name="grading_evaluation_once_per_round"
            ),
            models.UniqueConstraint(
                fields=["customer"], condition=models.Q(kind="new_customer"), name="grading_evaluation_one_six_month"
            ),
            models.CheckConstraint(condition=models.Q(suggested_grade__in=GRADES), name="grading_evaluation_grade_valid"),
            models.CheckConstraint(
                condition=models.Q(weighted_score__isnull=True)
                | (models.Q(weighted_score__gte=0) & models.Q(weighted_score__lte=100)),
                name="grading_evaluation_score_range",
            ),
        ]
        indexes = [models.Index(fields=["customer", "-created_at"], name="grading_eval_customer_idx")]

    def __str__(self):
        return _("Evaluation of %(customer)s for %(year)s") % {"customer": self.customer, "year": self.period_year}

    @property
    def has_overdue(self) -> bool:
        return bool(self.overdue_payment_count or self.overdue_pickup_count)


class IncidentType(models.TextChoices):
    CONTRACT = "contract", _("Contract-execution failure")
    LATE_PAYMENT = "late_payment", _("Late payment")
    CRISIS = "crisis", _("Major business crisis")
    LOSS = "loss", _("Major loss or reputation damage to us")


def incident_upload_to(instance, filename):
    # Never the uploader's name: no path tricks, no overwrites.
    return f"grading/incidents/{instance.customer_id}/{uuid.uuid4().hex}"


class Incident(models.Model):
    """问题记录: feeds evaluations, triggers the demotion of A customers, supports blacklisting."""

    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="incidents")
    incident_type = models.CharField(_("type"), max_length=20, choices=IncidentType.choices)
    occurred_on = models.DateField(_("date"), validators=[TypedDateBounds()])
    description = models.TextField(_("description"))
    evidence = models.FileField(_("evidence"), upload_to=incident_upload_to, max_length=200, blank=True)
    evidence_name = models.CharField(_("evidence file name"), max_length=200, blank=True)
    evidence_content_type = models.CharField(_("evidence content type"), max_length=100, blank=True)
    is_serious = models.BooleanField(
        _("serious"), default=False, help_text=_("Major loss or reputation damage: reported to the general manager's office.")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=date_bounds_q("occurred_on"), name="grading_incident_occurred_on_bounds"),
            models.CheckConstraint(
                condition=~models.Q(incident_type="loss") | models.Q(is_serious=True),
                name="grading_incident_loss_is_serious",
            ),
            models.CheckConstraint(
                condition=models.Q(incident_type__in=["contract", "late_payment", "crisis", "loss"]),
                name="grading_incident_type_valid",
            ),
        ]
        indexes = [models.Index(fields=["customer", "-occurred_on"], name="grading_incident_customer_idx")]

    def __str__(self):
        return f"{self.get_incident_type_display()} · {self.customer} · {self.occurred_on}"


class ProposalState(models.TextChoices):
    PENDING_MANAGER = "pending_manager", _("Awaiting the manager")
    PENDING_GM = "pending_gm", _("Awaiting the general manager's office")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATES = [ProposalState.PENDING_MANAGER, ProposalState.PENDING_GM]


class ProposalKind(models.TextChoices):
    CHANGE = "change", _("Grade change")
    PROVISIONAL = "provisional", _("Provisional grade")
    READMISSION = "readmission", _("Re-admission")


class SystemReason(models.TextChoices):
    """Why the system proposed a grade: stored as this code and its parameters, worded when read."""

    PROVISIONAL = "provisional", _("Provisional grade")
    SIX_MONTH = "six_month", _("Six-month evaluation")
    ANNUAL_REVIEW = "annual_review", _("Annual review")
    DEMOTION = "demotion", _("Demotion after an incident")
    READMISSION = "readmission", _("Re-admission")


def system_reason_text(code: str, params: dict) -> str:
    """The words of a system reason in the active language ("" for an unknown code)."""
    p = params or {}
    if code == SystemReason.PROVISIONAL:
        return gettext("Provisional grade of a new customer, from its latest yearly figures (at most B).")
    if code == SystemReason.SIX_MONTH:
        return gettext("Six-month evaluation of a new customer (合作满六个月).")
    if code == SystemReason.ANNUAL_REVIEW:
        return gettext("Annual review %(year)d: suggested by the rules on the figures of %(period)d.") % {
            "year": p.get("year", 0), "period": p.get("period", 0)}
    if code == SystemReason.DEMOTION:
        try:
            incident_type = str(IncidentType(p.get("type")).label)
        except ValueError:
            incident_type = p.get("type", "")
        return gettext("Incident of %(date)s (%(type)s): an A customer must be demoted within %(days)d days.") % {
            "date": p.get("date", ""), "type": incident_type, "days": p.get("days", 0)}
    if code == SystemReason.READMISSION:
        return gettext("Re-admission after the blacklist")
    return ""


class ReasonMixin(models.Model):
    """A reason a person typed (`reason`, kept as typed) or one the system gave (`reason_code`
    with `reason_params`, worded in the reader's language by `reason_text`)."""

    reason_code = models.CharField(_("system reason"), max_length=20, choices=SystemReason.choices, blank=True)
    reason_params = models.JSONField(_("reason details"), default=dict, blank=True)

    class Meta:
        abstract = True

    @property
    def reason_text(self) -> str:
        if self.reason_code and not self.reason:
            return system_reason_text(self.reason_code, self.reason_params)
        return self.reason


class Step(models.TextChoices):
    MANAGER = "manager", _("Department manager")
    GM = "gm", _("General manager's office")


class GradeProposal(ReasonMixin):
    """A grade change awaiting (or past) its approval: department manager, then 总经办 for A."""

    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="grade_proposals")
    kind = models.CharField(_("kind"), max_length=20, choices=ProposalKind.choices, default=ProposalKind.CHANGE)
    from_grade = models.CharField(_("from"), max_length=1, blank=True)
    from_provisional = models.BooleanField(_("from a provisional grade"), default=False)
    to_grade = models.CharField(_("to"), max_length=1)
    to_provisional = models.BooleanField(_("provisional"), default=False)
    reason = models.TextField(_("reason"), blank=True)
    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("evidence (evaluation)"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="proposals",
    )
    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.PROTECT, null=True, blank=True, related_name="proposals"
    )
    round = models.ForeignKey(
        ReviewRound, verbose_name=_("review round"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="proposals",
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", help_text=_("Empty: proposed by the system."),
    )
    state = models.CharField(_("state"), max_length=20, choices=ProposalState.choices, default=ProposalState.PENDING_MANAGER)
    created_at = models.DateTimeField(_("proposed at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("grade-change proposal")
        verbose_name_plural = _("grade-change proposals")
        ordering = ["created_at", "id"]
        permissions = [("approve_gradeproposal", _("Can approve or reject grade-change proposals"))]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=models.Q(state__in=OPEN_STATES), name="grading_gradeproposal_one_open"
            ),
            models.CheckConstraint(condition=models.Q(to_grade__in=GRADES), name="grading_gradeproposal_to_valid"),
            models.CheckConstraint(
                condition=models.Q(state__in=ProposalState.values), name="grading_gradeproposal_state_valid"
            ),
            # A proposal to the same letter only confirms a provisional grade.
            models.CheckConstraint(
                condition=~models.Q(from_grade=models.F("to_grade")) | models.Q(from_provisional=True)
                | models.Q(kind="readmission"),
                name="grading_gradeproposal_changes_something",
            ),
            models.CheckConstraint(
                condition=models.Q(decided_at__isnull=True) | ~models.Q(state__in=OPEN_STATES),
                name="grading_gradeproposal_open_undecided",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "created_at"], name="grading_prop_state_idx"),
            models.Index(fields=["round", "state"], name="grading_prop_round_idx"),
        ]

    def __str__(self):
        return f"{self.customer} {self.from_grade or '—'} → {self.to_grade}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def current_step(self) -> str | None:
        return {ProposalState.PENDING_MANAGER: Step.MANAGER, ProposalState.PENDING_GM: Step.GM}.get(self.state)

    @property
    def is_promotion_to_a(self) -> bool:
        return self.to_grade == "A" and self.from_grade != "A"


class ProposalApproval(models.Model):
    """One decision on one step of a proposal (who, which step, approved or not, comment, when)."""

    proposal = models.ForeignKey(GradeProposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="approvals")
    step = models.CharField(_("step"), max_length=10, choices=Step.choices)
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approver"), on_delete=models.PROTECT, related_name="+")
    approved = models.BooleanField(_("approved"))
    comment = models.TextField(_("comment"), blank=True)
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        ordering = ["decided_at", "id"]
        constraints = [models.UniqueConstraint(fields=["proposal", "step"], name="grading_proposalapproval_once_per_step")]

    def __str__(self):
        return f"{self.proposal} · {self.get_step_display()} · {self.approver}"


class GradeChange(ReasonMixin):
    """The grade history (from, to, why, who proposed, who approved, when); append-only."""

    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="grade_changes")
    proposal = models.OneToOneField(GradeProposal, verbose_name=_("proposal"), on_delete=models.PROTECT, related_name="change")
    from_grade = models.CharField(_("from"), max_length=1, blank=True)
    to_grade = models.CharField(_("to"), max_length=1)
    provisional = models.BooleanField(_("provisional"), default=False)
    reason = models.TextField(_("why"), blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    approvers = models.CharField(_("approved by"), max_length=300, blank=True)
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("grade history entry")
        verbose_name_plural = _("grade history")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["customer", "-changed_at"], name="grading_change_customer_idx")]

    def __str__(self):
        return f"{self.customer} {self.from_grade or '—'} → {self.to_grade}"


class DemotionCase(models.Model):
    """降级: an incident against an A customer; it must be demoted within the policy's days (5)."""

    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="demotion_cases")
    incident = models.OneToOneField(Incident, verbose_name=_("incident"), on_delete=models.PROTECT, related_name="demotion_case")
    opened_at = models.DateTimeField(_("opened at"))
    deadline = models.DateTimeField(_("deadline"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by_proposal = models.ForeignKey(
        GradeProposal, verbose_name=_("resolved by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("demotion case")
        verbose_name_plural = _("demotion cases")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=models.Q(resolved_at__isnull=True), name="grading_demotioncase_one_open"
            ),
            models.CheckConstraint(condition=models.Q(deadline__gt=models.F("opened_at")), name="grading_demotioncase_deadline_after_open"),
        ]
        indexes = [models.Index(fields=["resolved_at", "deadline"], name="grading_demotion_due_idx")]

    def __str__(self):
        return _("Demotion of %(customer)s") % {"customer": self.customer}

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
