"""The evaluation sheet (客户质量等级评估表, §3) filled in by a person."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import User
from crm.services import audit_record
from customers.models import YearlyFigure

from ..indicators import Scoring
from ..models import Evaluation, EvaluationKind, GradingPolicy
from ..permissions import evaluation_create_allowed
from .common import GradingError, GradingPermissionDenied, incidents_of_period, visible_customer
from .rules import (
    INDICATORS,
    a_ruled_out_by,
    grade_suggest,
    indicator_scores,
    overdue_incident_counts,
    weighted_score,
)


def evaluation_create(
    *,
    actor: User,
    customer_id: int,
    period_year: int,
    scores: dict,
    notes: str = "",
    now: datetime | None = None,
) -> Evaluation:
    """Fill in an evaluation sheet: a 0-100 score for each indicator the evaluator scores,
    weighted by the policy's indicators, the period's figures and incidents, the suggested grade.

    The incidents of the period lower the indicators they concern (their deductions), and late
    payments or overdue pickups among them rule A out like the figures' overdue counts; an
    indicator whose low score rules A out does so too. The policy (with its indicator set) is
    copied onto the sheet. Raises GradingError for a customer the actor may not see, a
    blacklisted one, or a score missing or outside 0-100.
    """
    now = now or timezone.now()
    if not evaluation_create_allowed(actor):
        raise GradingPermissionDenied(_("You may not evaluate customers."))
    policy = GradingPolicy.load().snapshot()
    indicators = policy["indicators"]
    clean = {}
    for ind in indicators:
        if ind["scoring"] != Scoring.MANUAL:
            continue
        value = scores.get(ind["key"])
        if value is None or not 0 <= int(value) <= 100:
            raise GradingError(_("Every indicator needs a score from 0 to 100."))
        clean[ind["key"]] = int(value)
    with transaction.atomic():
        customer = visible_customer(actor, customer_id)
        if customer.is_blacklisted:
            raise GradingError(_("A blacklisted customer is not graded."))
        figure = YearlyFigure.objects.filter(customer=customer, year=period_year).first()
        incidents = incidents_of_period(years={period_year}, customer_ids=[customer.pk]).get(
            (customer.pk, period_year), []
        )
        computed = indicator_scores(indicators, typed=clean, incidents=incidents)
        final = {key: row["score"] for key, row in computed.items()}
        score = weighted_score(final, weights=policy["weights"])
        evaluation = Evaluation(
            customer=customer,
            kind=EvaluationKind.MANUAL,
            period_year=period_year,
            business_volume=figure.business_volume if figure else 0,
            receivables=figure.receivables if figure else 0,
            overdue_payment_count=figure.overdue_payment_count if figure else 0,
            overdue_pickup_count=figure.overdue_pickup_count if figure else 0,
            weighted_score=score,
            scores=computed,
            incidents=incidents,
            grade_before=customer.grade,
            policy=policy,
            notes=notes.strip(),
            evaluated_by=actor,
            created_at=now,
            # The columns of the five default indicators, for the lists that show them.
            **{f"score_{key}": final[key] for key in INDICATORS if key in final},
        )
        inc_pay, inc_pick = overdue_incident_counts(incidents)
        evaluation.suggested_grade = grade_suggest(
            volume=evaluation.business_volume,
            overdue_payments=evaluation.overdue_payment_count + inc_pay,
            overdue_pickups=evaluation.overdue_pickup_count + inc_pick,
            score=score,
            policy=policy,
            a_ruled_out=bool(a_ruled_out_by(indicators, computed)),
        )
        evaluation.save()
        audit_record(
            actor=actor,
            action="grading.evaluation.created",
            target=evaluation,
            after={
                "year": period_year,
                "score": score,
                "suggested": evaluation.suggested_grade,
                "incidents": [i["id"] for i in incidents],
            },
        )
    return evaluation
