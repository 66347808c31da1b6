"""The evaluation sheet (客户质量等级评估表, §3) filled in by a person."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import User
from crm.services import audit_record
from customers.models import YearlyFigure

from ..models import Evaluation, EvaluationKind, GradingPolicy
from .common import GradingError, may_evaluate, visible_customer
from .rules import INDICATORS, grade_suggest, weighted_score


def evaluation_create(
    *, actor: User, customer_id: int, period_year: int, scores: dict, notes: str = "", now: datetime | None = None
) -> Evaluation:
    """Fill in an evaluation sheet: five indicator scores (0-100) weighted by the policy, the
    period's figures (volume, receivables, overdue counts) and the suggested grade.

    The policy's values are copied onto the sheet. Raises GradingError for a customer the
    actor may not see, a blacklisted one, or a score outside 0-100.
    """
    now = now or timezone.now()
    if not may_evaluate(actor):
        raise GradingError(_("You may not evaluate customers."))
    clean = {}
    for key in INDICATORS:
        value = scores.get(key)
        if value is None or not 0 <= int(value) <= 100:
            raise GradingError(_("Every indicator needs a score from 0 to 100."))
        clean[key] = int(value)
    policy = GradingPolicy.load().snapshot()
    with transaction.atomic():
        customer = visible_customer(actor, customer_id)
        if customer.is_blacklisted:
            raise GradingError(_("A blacklisted customer is not graded."))
        figure = YearlyFigure.objects.filter(customer=customer, year=period_year).first()
        score = weighted_score(clean, weights=policy["weights"])
        evaluation = Evaluation(
            customer=customer, kind=EvaluationKind.MANUAL, period_year=period_year,
            business_volume=figure.business_volume if figure else 0,
            receivables=figure.receivables if figure else 0,
            overdue_payment_count=figure.overdue_payment_count if figure else 0,
            overdue_pickup_count=figure.overdue_pickup_count if figure else 0,
            score_volume=clean["volume"], score_payment=clean["payment"], score_reputation=clean["reputation"],
            score_loyalty=clean["loyalty"], score_growth=clean["growth"], weighted_score=score,
            grade_before=customer.grade, policy=policy, notes=notes.strip(), evaluated_by=actor, created_at=now,
        )
        evaluation.suggested_grade = grade_suggest(
            volume=evaluation.business_volume, overdue_payments=evaluation.overdue_payment_count,
            overdue_pickups=evaluation.overdue_pickup_count, score=score, policy=policy,
        )
        evaluation.save()
        audit_record(
            actor=actor, action="grading.evaluation.created", target=evaluation,
            after={"year": period_year, "score": score, "suggested": evaluation.suggested_grade},
        )
    return evaluation
