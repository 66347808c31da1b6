"""Satisfaction surveys (客户满意度调查, domain §10): policy, questions, rounds, one-time links, answers."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models import Department, SingletonPolicy
from customers.models import Contact, Customer


class SurveyPolicy(SingletonPolicy):
    """The numbers of §10: how often a department surveys, how long a customer's link lives."""

    round_interval_months = models.PositiveSmallIntegerField(_("survey at least every (months)"), default=6)
    link_valid_days = models.PositiveSmallIntegerField(_("public link valid for (days)"), default=14)
    link_attempts_per_hour = models.PositiveSmallIntegerField(
        _("public link requests per address and hour"),
        default=30,
        help_text=_("More requests from one address within an hour are refused (rate limit)."),
    )

    class Meta:
        verbose_name = _("survey policy")
        verbose_name_plural = _("survey policy")

    def __str__(self):
        return str(_("survey policy"))


class SurveyQuestion(models.Model):
    """One question of the survey, a policy row: the administrator edits texts, scales and order."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    text = models.CharField(_("question"), max_length=200)
    scale_max = models.PositiveSmallIntegerField(_("highest score"), default=5)
    order = models.PositiveSmallIntegerField(_("order"), default=10)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scale_max__gte=2, scale_max__lte=10),
                name="surveys_surveyquestion_scale_2_10",
            ),
        ]

    def __str__(self):
        return self.text


class SurveyRound(models.Model):
    """A department's survey round; it chose its customers by grade and tier when it opened."""

    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="survey_rounds"
    )
    title = models.CharField(_("title"), max_length=100)
    opened_on = models.DateField(_("opened on"))
    closes_on = models.DateField(_("closes on"))
    grades = models.JSONField(_("grades"), default=list, blank=True)
    tiers = models.JSONField(_("tiers"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("survey round")
        verbose_name_plural = _("survey rounds")
        ordering = ["-opened_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opened_on")),
                name="surveys_surveyround_closes_after_opening",
            ),
        ]

    def __str__(self):
        return f"{self.department} · {self.title}"


def new_token() -> str:
    return secrets.token_urlsafe(24)


class SurveyInvitation(models.Model):
    """A customer chosen for a round, with its one-time public link (a random token, never an id)."""

    round = models.ForeignKey(
        SurveyRound, verbose_name=_("survey round"), on_delete=models.CASCADE, related_name="invitations"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="survey_invitations"
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_token, editable=False)
    expires_at = models.DateTimeField(_("link expires at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "customer"], name="surveys_surveyinvitation_once_per_round"
            ),
        ]

    def __str__(self):
        return f"{self.round} · {self.customer}"


class ResponseSource(models.TextChoices):
    LINK = "link", _("Customer, through the link")
    VISIT = "visit", _("Salesperson, on a visit")
    CALL = "call", _("Salesperson, on a call")
    RETURN_VISIT = "return_visit", _("Return visit")


class SurveyResponse(models.Model):
    """One customer's answer: scores per question and a comment."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="survey_responses"
    )
    round = models.ForeignKey(
        SurveyRound,
        verbose_name=_("survey round"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responses",
    )
    invitation = models.OneToOneField(
        SurveyInvitation,
        verbose_name=_("invitation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="response",
    )
    source = models.CharField(_("recorded"), max_length=20, choices=ResponseSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The visit report (回访 or a visit) the salesperson recorded it on; an id, visits is a sibling app.
    visit_report_id = models.PositiveBigIntegerField(_("visit report"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), db_index=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-answered_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(source__in=ResponseSource.values),
                name="surveys_surveyresponse_source_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(source="link") | models.Q(invitation__isnull=False),
                name="surveys_surveyresponse_link_has_invitation",
            ),
            models.UniqueConstraint(
                fields=["round", "customer"],
                name="surveys_surveyresponse_once_per_round",
                condition=models.Q(round__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.customer} · {self.answered_at:%Y-%m-%d}"


class SurveyAnswer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.PROTECT, related_name="answers")
    score = models.PositiveSmallIntegerField(_("score"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="surveys_surveyanswer_once_per_question"
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=10), name="surveys_surveyanswer_score_1_10"
            ),
        ]

    def __str__(self):
        return f"{self.question}: {self.score}"
