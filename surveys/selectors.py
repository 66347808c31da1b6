"""Reads of surveys: rounds a user may see, a round's figures, satisfaction over a period (§10)."""

from datetime import datetime

from django.db.models import Avg, Count, QuerySet, Subquery

from crm.db import attach_children
from crm.models import User
from customers.models import CustomerTier, Grade

from .models import SurveyAnswer, SurveyInvitation, SurveyQuestion, SurveyResponse, SurveyRound


def active_questions() -> list[SurveyQuestion]:
    """The questions asked now (policy rows, in their order): every form of an answer uses them."""
    return list(SurveyQuestion.objects.filter(is_active=True))


def response_for_visit_report(visit_report_id: int) -> SurveyResponse | None:
    """The satisfaction recorded with a visit report (a 回访), with its scores."""
    return (
        SurveyResponse.objects.filter(visit_report_id=visit_report_id)
        .prefetch_related("answers__question")
        .order_by("-answered_at")
        .first()
    )


def rounds_for(user: User) -> QuerySet[SurveyRound]:
    qs = SurveyRound.objects.select_related("department", "created_by").annotate(
        invited=Count("invitations", distinct=True), answered=Count("responses", distinct=True)
    )
    if user.sees_all_departments:
        return qs
    if (user.is_manager or user.is_assistant) and user.department_id:
        return qs.filter(department_id=user.department_id)
    return qs.none()


def _avg_table(
    answers: QuerySet[SurveyAnswer],
    by: str | None,
    keys: list[tuple[str, str]],
    questions: list[SurveyQuestion],
) -> list[dict]:
    """Average score per question, per value of `by` (grade, tier) or overall."""
    fields = ["question_id"] + ([f"response__customer__{by}"] if by else [])
    rows = answers.values(*fields).annotate(avg=Avg("score"), n=Count("id")).order_by()
    got = {(r["question_id"], r.get(f"response__customer__{by}") if by else ""): r["avg"] for r in rows}
    out = []
    for key, label in keys:
        out.append(
            {
                "key": key,
                "label": label,
                "scores": [round(got[(q.pk, key)], 2) if (q.pk, key) in got else None for q in questions],
            }
        )
    return out


def satisfaction_summary(
    responses: QuerySet[SurveyResponse], *, invited: int | None = None, answered_in_rounds: int | None = None
) -> dict:
    """Response rate, averages by question, grade and tier, and the comments of a set of answers.

    The rate divides the answers to the rounds (`answered_in_rounds`, default: all answers) by
    the customers invited: answers given on a visit or 回访 outside a round add scores, not rate.
    """
    questions = active_questions()
    answers = SurveyAnswer.objects.filter(response__in=responses.values("pk"))
    answered = responses.count()
    in_rounds = answered if answered_in_rounds is None else answered_in_rounds
    return {
        "questions": [q.text for q in questions],
        "answered": answered,
        "answered_in_rounds": in_rounds,
        "invited": invited,
        "rate": round(100 * in_rounds / invited, 1) if invited else None,
        "overall": _avg_table(answers, None, [("", "")], questions)[0]["scores"],
        "by_grade": _avg_table(answers, "grade", [(g, g) for g in Grade.values], questions),
        "by_tier": _avg_table(answers, "tier", [(t.value, str(t.label)) for t in CustomerTier], questions),
        "comments": list(
            responses.exclude(comment="")
            .order_by("-answered_at")
            .values_list("customer__name", "comment")[:50]
        ),
    }


def round_summary(round_: SurveyRound) -> dict:
    summary = satisfaction_summary(
        SurveyResponse.objects.filter(round=round_),
        invited=SurveyInvitation.objects.filter(round=round_).count(),
    )
    previous = (
        SurveyRound.objects.filter(department_id=round_.department_id, opened_on__lt=round_.opened_on)
        .order_by("-opened_on")
        .first()
    )
    summary["previous"] = round_summary_plain(previous) if previous else None
    summary["previous_round"] = previous
    return summary


def round_summary_plain(round_: SurveyRound) -> dict:
    return satisfaction_summary(
        SurveyResponse.objects.filter(round=round_),
        invited=SurveyInvitation.objects.filter(round=round_).count(),
    )


def department_satisfaction(*, department_id: int, start: datetime, end: datetime) -> dict:
    """Every answer of a department's customers given in [start, end) (rounds, visits, return visits)."""
    responses = SurveyResponse.objects.filter(
        customer__department_id=department_id, answered_at__gte=start, answered_at__lt=end
    )
    rounds = SurveyRound.objects.filter(
        department_id=department_id, opened_on__gte=start.date(), opened_on__lt=end.date()
    )
    invited = SurveyInvitation.objects.filter(round__in=rounds).count()
    return satisfaction_summary(
        responses,
        invited=invited or None,
        answered_in_rounds=SurveyResponse.objects.filter(round__in=rounds).count(),
    )


def customer_latest_reads(customer_id: int) -> dict[str, QuerySet]:
    """The customer's latest answer, and its scores with their questions, as querysets (the
    customer page reads them in its one statement; `customer_latest` puts them together)."""
    latest = SurveyResponse.objects.filter(customer_id=customer_id).order_by("-answered_at", "-pk")[:1]
    return {
        "latest": latest,
        "answers": SurveyAnswer.objects.filter(response_id=Subquery(latest.values("pk"))).select_related(
            "question"
        ),
    }


def customer_latest(rows: dict) -> SurveyResponse | None:
    """The latest answer with its scores attached, from the rows of `customer_latest_reads`."""
    latest = next(iter(rows["latest"]), None)
    if latest is not None:
        attach_children([latest], "answers", rows["answers"])
    return latest
