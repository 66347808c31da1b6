"""The indicators of the evaluation sheet (客户质量等级评估表, §3): policy data the administrator
edits (name, weight, how it is scored, which incidents lower it, whether a low score rules A
out). The weights of one policy add up to 100 (checked by the admin's formset); every
evaluation keeps the set it used (GradingPolicy.snapshot)."""

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Scoring(models.TextChoices):
    MANUAL = "manual", _("Scored by the evaluator (0-100), less the deductions")
    DEDUCTIONS = "deductions", _("100 less the deductions (computed)")


# The five of domain §3. Names are data (the administrator renames them), in the company's language.
DEFAULT_INDICATORS = [
    {
        "key": "volume",
        "name": "业务量",
        "weight": 40,
        "scoring": Scoring.MANUAL,
        "incident_types": [],
        "deduction": 0,
        "a_min_score": None,
    },
    {
        "key": "payment",
        "name": "付款记录",
        "weight": 25,
        "scoring": Scoring.MANUAL,
        "incident_types": ["late_payment", "overdue_pickup"],
        "deduction": 20,
        "a_min_score": None,
    },
    {
        "key": "reputation",
        "name": "经营信誉",
        "weight": 15,
        "scoring": Scoring.MANUAL,
        "incident_types": ["contract", "crisis", "loss"],
        "deduction": 20,
        "a_min_score": 60,
    },
    {
        "key": "loyalty",
        "name": "忠诚度",
        "weight": 10,
        "scoring": Scoring.MANUAL,
        "incident_types": [],
        "deduction": 0,
        "a_min_score": None,
    },
    {
        "key": "growth",
        "name": "发展潜力",
        "weight": 10,
        "scoring": Scoring.MANUAL,
        "incident_types": [],
        "deduction": 0,
        "a_min_score": None,
    },
]


class Indicator(models.Model):
    policy = models.ForeignKey(
        "grading.GradingPolicy",
        verbose_name=_("grading policy"),
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    key = models.SlugField(
        _("key"), max_length=30, help_text=_("A short code (letters, digits, -): kept on every evaluation.")
    )
    name = models.CharField(_("name"), max_length=50)
    weight = models.PositiveSmallIntegerField(_("weight (%)"), validators=[MaxValueValidator(100)])
    scoring = models.CharField(_("scoring"), max_length=20, choices=Scoring.choices, default=Scoring.MANUAL)
    incident_types = models.JSONField(
        _("incidents that lower it"),
        default=list,
        blank=True,
        help_text=_("Each incident of these types in the period deducts the points below."),
    )
    deduction = models.PositiveSmallIntegerField(
        _("points deducted per incident"), default=0, validators=[MaxValueValidator(100)]
    )
    a_min_score = models.PositiveSmallIntegerField(
        _("grade A needs at least"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text=_("A score below this rules grade A out; empty: a low score does not."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "key"], name="grading_indicator_key_unique"),
            models.CheckConstraint(
                condition=models.Q(weight__lte=100)
                & models.Q(deduction__lte=100)
                & (models.Q(a_min_score__isnull=True) | models.Q(a_min_score__lte=100)),
                name="grading_indicator_numbers_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(scoring__in=["manual", "deductions"]),
                name="grading_indicator_scoring_valid",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.weight}%)"

    def snapshot(self) -> dict:
        return {
            "key": self.key,
            "name": self.name,
            "weight": self.weight,
            "scoring": self.scoring,
            "incident_types": list(self.incident_types or []),
            "deduction": self.deduction,
            "a_min_score": self.a_min_score,
        }
