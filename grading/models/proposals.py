"""Grade-change proposals, their approval steps, the grade history and demotion cases (§3)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from customers.models import Customer

from .evaluations import Evaluation, Incident, IncidentType
from .policy import GRADES, ReviewRound


class ProposalState(models.TextChoices):
    PENDING_MANAGER = "pending_manager", _("Awaiting the manager")
    PENDING_GM = "pending_gm", _("Awaiting the general manager's office")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATES = [ProposalState.PENDING_MANAGER, ProposalState.PENDING_GM]


class WithdrawalReason(models.TextChoices):
    """Why the system withdrew an open proposal (a person's withdrawal leaves it empty)."""

    BLACKLISTED = "blacklisted", _("Withdrawn by the system: the customer was blacklisted")
    SUPERSEDED = "superseded", _("Withdrawn by the system: superseded by the annual review")


class ProposalKind(models.TextChoices):
    CHANGE = "change", _("Grade change")
    PROVISIONAL = "provisional", _("Provisional grade")
    READMISSION = "readmission", _("Re-admission")


class SystemReason(models.TextChoices):
    """Why the system proposed a grade: stored as this code and its parameters, worded when read."""

    PROVISIONAL = "provisional", _("Provisional grade")
    SIX_MONTH = "six_month", _("Six-month evaluation")
    ANNUAL_REVIEW = "annual_review", _("Annual review")
    INTERIM_REVIEW = "interim_review", _("Interim review")
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
            "year": p.get("year", 0),
            "period": p.get("period", 0),
        }
    if code == SystemReason.INTERIM_REVIEW:
        return gettext("Interim review of %(date)s on the figures of %(period)d (they may not be final).") % {
            "date": p.get("date", ""),
            "period": p.get("period", 0),
        }
    if code == SystemReason.DEMOTION:
        try:
            incident_type = str(IncidentType(p.get("type")).label)
        except ValueError:
            incident_type = p.get("type", "")
        return gettext(
            "Incident of %(date)s (%(type)s): an A customer must be demoted within %(days)d days."
        ) % {"date": p.get("date", ""), "type": incident_type, "days": p.get("days", 0)}
    if code == SystemReason.READMISSION:
        return gettext("Re-admission after the blacklist")
    return ""


class ReasonMixin(models.Model):
    """A reason a person typed (`reason`, kept as typed) or one the system gave (`reason_code`
    with `reason_params`, worded in the reader's language by `reason_text`)."""

    reason_code = models.CharField(
        _("system reason"), max_length=20, choices=SystemReason.choices, blank=True
    )
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

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="grade_proposals"
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=ProposalKind.choices, default=ProposalKind.CHANGE
    )
    from_grade = models.CharField(_("from"), max_length=1, blank=True)
    from_provisional = models.BooleanField(_("from a provisional grade"), default=False)
    to_grade = models.CharField(_("to"), max_length=1)
    to_provisional = models.BooleanField(_("provisional"), default=False)
    reason = models.TextField(_("reason"), blank=True)
    evaluation = models.ForeignKey(
        Evaluation,
        verbose_name=_("evidence (evaluation)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
    )
    incident = models.ForeignKey(
        Incident,
        verbose_name=_("incident"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
    )
    round = models.ForeignKey(
        ReviewRound,
        verbose_name=_("review round"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: proposed by the system."),
    )
    state = models.CharField(
        _("state"), max_length=20, choices=ProposalState.choices, default=ProposalState.PENDING_MANAGER
    )
    created_at = models.DateTimeField(_("proposed at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    withdrawn_reason = models.CharField(
        _("withdrawn because"), max_length=20, choices=WithdrawalReason.choices, blank=True
    )

    class Meta:
        verbose_name = _("grade-change proposal")
        verbose_name_plural = _("grade-change proposals")
        ordering = ["created_at", "id"]
        permissions = [("approve_gradeproposal", _("Can approve or reject grade-change proposals"))]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(state__in=OPEN_STATES),
                name="grading_gradeproposal_one_open",
            ),
            models.CheckConstraint(
                condition=models.Q(to_grade__in=GRADES), name="grading_gradeproposal_to_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=ProposalState.values), name="grading_gradeproposal_state_valid"
            ),
            # A proposal to the same letter only confirms a provisional grade.
            models.CheckConstraint(
                condition=~models.Q(from_grade=models.F("to_grade"))
                | models.Q(from_provisional=True)
                | models.Q(kind="readmission"),
                name="grading_gradeproposal_changes_something",
            ),
            models.CheckConstraint(
                condition=models.Q(decided_at__isnull=True) | ~models.Q(state__in=OPEN_STATES),
                name="grading_gradeproposal_open_undecided",
            ),
            models.CheckConstraint(
                condition=models.Q(withdrawn_reason="") | models.Q(state="withdrawn"),
                name="grading_gradeproposal_reason_only_when_withdrawn",
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
        return {ProposalState.PENDING_MANAGER: Step.MANAGER, ProposalState.PENDING_GM: Step.GM}.get(
            self.state
        )


class ProposalApproval(models.Model):
    """One decision on one step of a proposal (who, which step, approved or not, comment, when)."""

    proposal = models.ForeignKey(
        GradeProposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="approvals"
    )
    step = models.CharField(_("step"), max_length=10, choices=Step.choices)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approver"), on_delete=models.PROTECT, related_name="+"
    )
    approved = models.BooleanField(_("approved"))
    comment = models.TextField(_("comment"), blank=True)
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        ordering = ["decided_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "step"], name="grading_proposalapproval_once_per_step"
            )
        ]

    def __str__(self):
        return f"{self.proposal} · {self.get_step_display()} · {self.approver}"


class GradeChange(ReasonMixin):
    """The grade history (from, to, why, who proposed, who approved, when); append-only."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="grade_changes"
    )
    proposal = models.OneToOneField(
        GradeProposal, verbose_name=_("proposal"), on_delete=models.PROTECT, related_name="change"
    )
    from_grade = models.CharField(_("from"), max_length=1, blank=True)
    to_grade = models.CharField(_("to"), max_length=1)
    provisional = models.BooleanField(_("provisional"), default=False)
    reason = models.TextField(_("why"), blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
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

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="demotion_cases"
    )
    incident = models.OneToOneField(
        Incident, verbose_name=_("incident"), on_delete=models.PROTECT, related_name="demotion_case"
    )
    opened_at = models.DateTimeField(_("opened at"))
    deadline = models.DateTimeField(_("deadline"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by_proposal = models.ForeignKey(
        GradeProposal,
        verbose_name=_("resolved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("demotion case")
        verbose_name_plural = _("demotion cases")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(resolved_at__isnull=True),
                name="grading_demotioncase_one_open",
            ),
            models.CheckConstraint(
                condition=models.Q(deadline__gt=models.F("opened_at")),
                name="grading_demotioncase_deadline_after_open",
            ),
        ]
        indexes = [models.Index(fields=["resolved_at", "deadline"], name="grading_demotion_due_idx")]

    def __str__(self):
        return _("Demotion of %(customer)s") % {"customer": self.customer}

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
