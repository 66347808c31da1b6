"""Demo surveys (run by `manage.py seed_demo` after the customers): a finished round of the east
department last half-year, answered partly through the link and partly by the salespeople, and
an open round with links still waiting. Idempotent: nothing is added once rounds exist."""

import random
from datetime import timedelta

from django.db import transaction

from crm.models import User
from customers.models import Customer, Grade

from . import services
from .models import ResponseSource, SurveyInvitation, SurveyQuestion, SurveyRound

COMMENTS = [
    "交货准时，希望价格再优惠一些",
    "售后响应快",
    "包装需要加强",
    "",
    "产品质量稳定",
    "业务员沟通及时",
]


def seed(*, now) -> str:
    if SurveyRound.objects.exists():
        return "surveys already present"
    manager = User.objects.filter(username="manager_east").first()
    if manager is None:
        return "skipped: demo users missing"
    rng = random.Random(10)  # noqa: S311 - demo data
    questions = list(SurveyQuestion.objects.filter(is_active=True))
    with transaction.atomic():
        # Last half-year's round (opened 1 June, closed 30 June), in the past.
        opened = now.replace(month=6, day=2, hour=2)
        finished = services.survey_round_open(
            actor=manager,
            department_id=manager.department_id,
            title=f"{opened.year}年上半年满意度调查",
            grades=[Grade.A, Grade.B],
            tiers=[],
            closes_on=opened.date() + timedelta(days=28),
            now=opened,
        )
        invitations = list(SurveyInvitation.objects.filter(round=finished).select_related("customer__owner"))
        for i, inv in enumerate(invitations):
            if i % 4 == 3:
                continue  # a quarter never answered
            at = opened + timedelta(days=1 + i % 12)
            scores = {q.pk: rng.choice([3, 4, 4, 5, 5]) for q in questions}
            if i % 2:
                services.survey_link_answer(
                    token=inv.token, scores=scores, comment=rng.choice(COMMENTS), now=at
                )
            else:
                services.survey_response_record(
                    actor=inv.customer.owner,
                    customer_id=inv.customer_id,
                    scores=scores,
                    comment=rng.choice(COMMENTS),
                    source=ResponseSource.VISIT,
                    now=at,
                )
        # This half-year's round, open: links waiting to be sent by WeChat.
        current = services.survey_round_open(
            actor=manager,
            department_id=manager.department_id,
            title=f"{now.year}年下半年满意度调查",
            grades=[Grade.A],
            tiers=[],
            closes_on=now.date() + timedelta(days=30),
            now=now,
        )
        first = SurveyInvitation.objects.filter(round=current).select_related("customer__owner").first()
        if first:
            services.survey_link_answer(
                token=first.token, scores={q.pk: 5 for q in questions}, comment="合作愉快", now=now
            )
    answered = Customer.objects.filter(survey_responses__isnull=False).distinct().count()
    return f"2 survey rounds, {answered} customers answered"
