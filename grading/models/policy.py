"""Grading policy (the numbers of §3) and review rounds."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models import SingletonPolicy
from customers.models import Grade

GRADES = [Grade.A, Grade.B, Grade.C, Grade.D]
GRADE_ORDER = {Grade.A: 0, Grade.B: 1, Grade.C: 2, Grade.D: 3, "": 4}


class GradingPolicy(SingletonPolicy):
    """The numbers of §3, editable by the administrator; every evaluation keeps a copy."""

    threshold_a = models.DecimalField(
        _("grade A from (yuan/year)"), max_digits=16, decimal_places=2, default=Decimal("3000000")
    )
    threshold_b = models.DecimalField(
        _("grade B from (yuan/year)"), max_digits=16, decimal_places=2, default=Decimal("1000000")
    )
    threshold_c = models.DecimalField(
        _("grade C from (yuan/year)"), max_digits=16, decimal_places=2, default=Decimal("500000")
    )
    # The indicators and their weights are rows of grading.indicators.Indicator (policy.indicators).
    # The weighted score caps the grade the volume gives (a large but unreliable customer is not A).
    min_score_a = models.PositiveSmallIntegerField(_("minimum weighted score for A"), default=80)
    min_score_b = models.PositiveSmallIntegerField(_("minimum weighted score for B"), default=65)
    min_score_c = models.PositiveSmallIntegerField(_("minimum weighted score for C"), default=50)
    review_opens_month = models.PositiveSmallIntegerField(_("annual review opens: month"), default=3)
    review_opens_day = models.PositiveSmallIntegerField(_("annual review opens: day"), default=25)
    review_closes_month = models.PositiveSmallIntegerField(_("annual review closes: month"), default=3)
    review_closes_day = models.PositiveSmallIntegerField(_("annual review closes: day"), default=30)
    demotion_days = models.PositiveSmallIntegerField(
        _("days to demote an A customer after an incident"), default=5
    )
    new_customer_evaluation_months = models.PositiveSmallIntegerField(
        _("evaluate new customers after (months of cooperation)"), default=6
    )

    class Meta:
        verbose_name = _("grading policy")
        verbose_name_plural = _("grading policy")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(threshold_a__gt=models.F("threshold_b"))
                & models.Q(threshold_b__gt=models.F("threshold_c"))
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
        if not (self.threshold_a > self.threshold_b > self.threshold_c >= 0):
            raise ValidationError(_("The thresholds must decrease from A to C."))
        if not (100 >= self.min_score_a >= self.min_score_b >= self.min_score_c):
            raise ValidationError(_("The minimum scores must decrease from A to C and be at most 100."))
        for month, day in (
            (self.review_opens_month, self.review_opens_day),
            (self.review_closes_month, self.review_closes_day),
        ):
            if not (1 <= month <= 12 and 1 <= day <= 28 + (3 if month != 2 else 0)):
                raise ValidationError(_("The review window must name real dates."))
        if (self.review_closes_month, self.review_closes_day) < (
            self.review_opens_month,
            self.review_opens_day,
        ):
            raise ValidationError(_("The review window must close after it opens, within the year."))

    def snapshot(self) -> dict:
        """The values an evaluation used (kept on the evaluation: policies change, sheets do not)."""
        indicators = [i.snapshot() for i in self.indicator_list()]
        return {
            "thresholds": {
                grade: str(Decimal(value).quantize(Decimal("0.01")))
                for grade, value in (
                    (Grade.A, self.threshold_a),
                    (Grade.B, self.threshold_b),
                    (Grade.C, self.threshold_c),
                )
            },
            "weights": {i["key"]: i["weight"] for i in indicators},
            "indicators": indicators,
            "min_scores": {Grade.A: self.min_score_a, Grade.B: self.min_score_b, Grade.C: self.min_score_c},
        }

    def indicator_list(self) -> list:
        """The policy's indicators in order; the five defaults of §3 on first use."""
        from ..indicators import DEFAULT_INDICATORS, Indicator

        if self.pk is None:
            self.save()
        rows = list(Indicator.objects.filter(policy=self))
        if not rows:
            Indicator.objects.bulk_create(
                [Indicator(policy=self, order=n, **d) for n, d in enumerate(DEFAULT_INDICATORS)],
                ignore_conflicts=True,
            )
            rows = list(Indicator.objects.filter(policy=self))
        return rows

    def weights(self) -> list[tuple[str, int]]:
        return [(i.key, i.weight) for i in self.indicator_list()]


class RoundKind(models.TextChoices):
    ANNUAL = "annual", _("Annual review")
    INTERIM = "interim", _("Interim review")


class ReviewRound(models.Model):
    """年度评审: one annual round a year, opened in the policy's window by the `annual-review` job
    or a manager; a round started outside the window is an interim review (临时评审), on figures
    that may not be final, and never stands in for the annual one."""

    kind = models.CharField(_("kind"), max_length=10, choices=RoundKind.choices, default=RoundKind.ANNUAL)
    year = models.PositiveSmallIntegerField(_("year"))
    period_year = models.PositiveSmallIntegerField(_("figures of year"))
    opened_at = models.DateTimeField(_("opened at"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closes_on = models.DateField(_("closes on"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("review round")
        verbose_name_plural = _("review rounds")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["year"],
                condition=models.Q(kind="annual"),
                name="grading_reviewround_one_annual_per_year",
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(kind="interim", closed_at__isnull=True),
                name="grading_reviewround_one_open_interim",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["annual", "interim"]), name="grading_reviewround_kind_valid"
            ),
        ]

    def __str__(self):
        if self.kind == RoundKind.INTERIM:
            return _("Interim review of %(date)s") % {
                "date": self.opened_at.date().isoformat() if self.opened_at else ""
            }
        return _("Annual review %(year)s") % {"year": self.year}

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
