"""Evaluation sheets (客户质量等级评估表) and incident records (问题记录), §3."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.date_bounds import TypedDateBounds, date_bounds_q
from customers.models import Customer

from .policy import GRADES, ReviewRound


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

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="evaluations"
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=EvaluationKind.choices, default=EvaluationKind.MANUAL
    )
    round = models.ForeignKey(
        ReviewRound,
        verbose_name=_("review round"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evaluations",
    )
    period_year = models.PositiveSmallIntegerField(_("period (year)"))
    business_volume = models.DecimalField(
        _("business volume (yuan)"), max_digits=16, decimal_places=2, default=0
    )
    receivables = models.DecimalField(_("receivables (yuan)"), max_digits=16, decimal_places=2, default=0)
    overdue_payment_count = models.PositiveIntegerField(_("overdue payments"), default=0)
    overdue_pickup_count = models.PositiveIntegerField(_("overdue pickups"), default=0)
    score_volume = _score_field(_("business volume"))
    score_payment = _score_field(_("payment record"))
    score_reputation = _score_field(_("reputation"))
    score_loyalty = _score_field(_("loyalty"))
    score_growth = _score_field(_("growth potential"))
    weighted_score = models.DecimalField(
        _("weighted score"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    # {indicator key: {"typed": 0-100 or None, "deduction": points, "score": 0-100 or None}}, after the
    # incidents' deductions; the indicators themselves are in `policy["indicators"]`.
    scores = models.JSONField(_("indicator scores"), default=dict, blank=True)
    # The incidents of the period that fed the evaluation: [{"id", "type", "date", "description"}].
    incidents = models.JSONField(_("incidents in the period"), default=list, blank=True)
    grade_before = models.CharField(_("grade at evaluation"), max_length=1, blank=True)
    suggested_grade = models.CharField(_("suggested grade"), max_length=1)
    policy = models.JSONField(_("policy used"))
    notes = models.TextField(_("notes"), blank=True)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("evaluated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: computed by the system."),
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A rerun of a round finds its evaluations and adds none.
            models.UniqueConstraint(
                fields=["round", "customer"],
                condition=models.Q(round__isnull=False),
                name="grading_evaluation_once_per_round",
            ),
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(kind="new_customer"),
                name="grading_evaluation_one_six_month",
            ),
            models.CheckConstraint(
                condition=models.Q(suggested_grade__in=GRADES), name="grading_evaluation_grade_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(weighted_score__isnull=True)
                | (models.Q(weighted_score__gte=0) & models.Q(weighted_score__lte=100)),
                name="grading_evaluation_score_range",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="grading_eval_customer_idx"),
            # The 工作台's round chart (selectors.round_distribution) reads only these columns of
            # a round's ~85,000 evaluations: an index-only scan instead of the table's.
            models.Index(
                fields=["round", "customer"],
                include=["grade_before", "suggested_grade"],
                name="grading_eval_round_grades",
            ),
        ]

    def __str__(self):
        return _("Evaluation of %(customer)s for %(year)s") % {
            "customer": self.customer,
            "year": self.period_year,
        }

    @property
    def has_overdue(self) -> bool:
        """Overdue payments or pickups in the period: the figures' counts, or incidents of those types."""
        return bool(self.overdue_payment_count or self.overdue_pickup_count) or any(
            i.get("type") in OVERDUE_INCIDENT_TYPES for i in self.incidents or []
        )

    def indicator_rows(self) -> list[dict]:
        """The sheet's table: each indicator the evaluation used with its weight and scores."""
        rows = []
        for ind in (self.policy or {}).get("indicators") or []:
            row = {"typed": None, "deduction": 0, "score": None, **(self.scores or {}).get(ind["key"], {})}
            rows.append({**ind, **row})
        return rows

    def incident_label(self, code: str) -> str:
        try:
            return str(IncidentType(code).label)
        except ValueError:
            return code


OVERDUE_INCIDENT_TYPES = ("late_payment", "overdue_pickup")  # count like the overdue counts (§3)


class IncidentType(models.TextChoices):
    CONTRACT = "contract", _("Contract-execution failure")
    LATE_PAYMENT = "late_payment", _("Late payment")
    CRISIS = "crisis", _("Major business crisis")
    LOSS = "loss", _("Major loss or reputation damage to us")
    OVERDUE_PICKUP = "overdue_pickup", _("Overdue pickup")


def incident_upload_to(instance, filename):
    # Never the uploader's name: no path tricks, no overwrites.
    return f"grading/incidents/{instance.customer_id}/{uuid.uuid4().hex}"


class Incident(models.Model):
    """问题记录: feeds evaluations, triggers the demotion of A customers, supports blacklisting."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="incidents"
    )
    incident_type = models.CharField(_("type"), max_length=20, choices=IncidentType.choices)
    occurred_on = models.DateField(_("date"), validators=[TypedDateBounds()])
    description = models.TextField(_("description"))
    evidence = models.FileField(_("evidence"), upload_to=incident_upload_to, max_length=200, blank=True)
    evidence_name = models.CharField(_("evidence file name"), max_length=200, blank=True)
    evidence_content_type = models.CharField(_("evidence content type"), max_length=100, blank=True)
    is_serious = models.BooleanField(
        _("serious"),
        default=False,
        help_text=_("Major loss or reputation damage: reported to the general manager's office."),
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
            models.CheckConstraint(
                condition=date_bounds_q("occurred_on"), name="grading_incident_occurred_on_bounds"
            ),
            models.CheckConstraint(
                condition=~models.Q(incident_type="loss") | models.Q(is_serious=True),
                name="grading_incident_loss_is_serious",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    incident_type__in=["contract", "late_payment", "crisis", "loss", "overdue_pickup"]
                ),
                name="grading_incident_type_valid",
            ),
        ]
        indexes = [models.Index(fields=["customer", "-occurred_on"], name="grading_incident_customer_idx")]

    def __str__(self):
        return f"{self.get_incident_type_display()} · {self.customer} · {self.occurred_on}"
