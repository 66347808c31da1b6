"""Survey services (domain §10): open a round, record an answer, answer through the one-time link."""

from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Department, User
from crm.services import (
    add_months,
    audit_record,
    company_language,
    local_today,
    managers_of,
    notification_bulk_send_values,
)
from customers.models import Customer, CustomerStatus

from . import permissions
from .models import (
    ResponseSource,
    SurveyAnswer,
    SurveyInvitation,
    SurveyPolicy,
    SurveyQuestion,
    SurveyResponse,
    SurveyRound,
)
from .selectors import active_questions


class SurveyError(Exception):
    """A survey rule refused the action; the message is shown to the person."""


def round_customers(*, department_id: int, grades: list[str], tiers: list[str]):
    """The customers a round surveys: the department's active ones of the chosen grades and tiers."""
    qs = Customer.objects.filter(
        department_id=department_id, is_deleted=False, is_blacklisted=False, status=CustomerStatus.ACTIVE
    )
    if grades:
        qs = qs.filter(grade__in=grades)
    if tiers:
        qs = qs.filter(tier__in=tiers)
    return qs


def survey_round_open(
    *,
    actor: User,
    department_id: int,
    title: str,
    grades: list[str],
    tiers: list[str],
    closes_on: date,
    now: datetime,
) -> SurveyRound:
    """Open a round and an invitation (with its one-time link) for each chosen customer.

    Raises SurveyError when no customer matches or the closing date has passed.
    """
    if not permissions.round_open_allowed(actor) or (
        not actor.sees_all_departments and actor.department_id != department_id
    ):
        raise PermissionDenied
    today = _local(now)
    if closes_on < today:
        raise SurveyError("截止日期不能早于今天。")
    policy = SurveyPolicy.load()
    with transaction.atomic():
        customers = list(
            round_customers(department_id=department_id, grades=grades, tiers=tiers).values_list(
                "pk", flat=True
            )
        )
        if not customers:
            raise SurveyError("没有符合所选等级和层级的正式客户。")
        round_ = SurveyRound.objects.create(
            department_id=department_id,
            title=title,
            opened_on=today,
            closes_on=closes_on,
            grades=grades,
            tiers=tiers,
            created_by=actor,
        )
        expires = now + timedelta(days=policy.link_valid_days)
        SurveyInvitation.objects.bulk_create(
            [SurveyInvitation(round=round_, customer_id=pk, expires_at=expires) for pk in customers]
        )
        audit_record(
            actor=actor,
            action="surveys.round.opened",
            target=round_,
            after={"customers": len(customers), "grades": grades, "tiers": tiers},
        )
    return round_


def _local(now: datetime) -> date:
    from django.utils import timezone

    return timezone.localdate(now)


def scores_check(scores: dict[int, int], questions: list[SurveyQuestion]) -> None:
    """Every active question scored within its scale; raises SurveyError (Chinese) otherwise."""
    for q in questions:
        value = scores.get(q.pk)
        if value is None:
            raise SurveyError(f"请为“{q.text}”打分。")
        if not 1 <= int(value) <= q.scale_max:
            raise SurveyError(f"“{q.text}”的分数须在 1 到 {q.scale_max} 之间。")


def _response_write(
    *, customer_id, round_id, invitation, source, actor, visit_report_id, scores, comment, now, questions
) -> SurveyResponse:
    response = SurveyResponse.objects.create(
        customer_id=customer_id,
        round_id=round_id,
        invitation=invitation,
        source=source,
        recorded_by=actor,
        visit_report_id=visit_report_id,
        answered_at=now,
        comment=comment.strip(),
    )
    SurveyAnswer.objects.bulk_create(
        [SurveyAnswer(response=response, question=q, score=int(scores[q.pk])) for q in questions]
    )
    return response


def survey_response_record(
    *,
    actor: User,
    customer_id: int,
    scores: dict[int, int],
    comment: str = "",
    source: str = ResponseSource.VISIT,
    visit_report_id: int | None = None,
    now: datetime,
) -> SurveyResponse:
    """The salesperson records a customer's answer given on a visit, a call or a return visit (回访).

    It counts for the customer's open round of its department, if any (and answers its invitation).
    Raises SurveyError for a missing or out-of-scale score, or a round already answered.
    """
    from customers.selectors import customer_list_for

    allowed = (
        permissions.return_visit_answer_allowed(actor)
        if source == ResponseSource.RETURN_VISIT
        else permissions.response_record_allowed(actor)
    )
    if not allowed or source == ResponseSource.LINK:
        raise PermissionDenied
    customer = customer_list_for(actor).filter(pk=customer_id).first()
    if customer is None:
        raise PermissionDenied
    questions = active_questions()
    scores_check(scores, questions)
    with transaction.atomic():
        invitation = (
            SurveyInvitation.objects.select_for_update(of=("self",))
            .filter(
                customer=customer,
                answered_at__isnull=True,
                round__closes_on__gte=_local(now),
                round__opened_on__lte=_local(now),
            )
            .order_by("-round__opened_on")
            .first()
        )
        if invitation is not None:
            invitation.answered_at = now
            invitation.save(update_fields=["answered_at"])
        response = _response_write(
            customer_id=customer.pk,
            round_id=invitation.round_id if invitation else None,
            invitation=invitation,
            source=source,
            actor=actor,
            visit_report_id=visit_report_id,
            scores=scores,
            comment=comment,
            now=now,
            questions=questions,
        )
        audit_record(
            actor=actor,
            action="surveys.response.recorded",
            target=response,
            after={"scores": {q.code: scores[q.pk] for q in questions}, "source": source},
        )
    return response


def invitation_for_token(token: str) -> SurveyInvitation | None:
    return SurveyInvitation.objects.select_related("round", "customer").filter(token=token).first()


def invitation_state(invitation: SurveyInvitation | None, *, now: datetime) -> str:
    """'open', 'answered', 'expired' or 'unknown': what the public page shows."""
    if invitation is None:
        return "unknown"
    if invitation.answered_at is not None:
        return "answered"
    if invitation.expires_at <= now or invitation.round.closes_on < _local(now):
        return "expired"
    return "open"


def survey_link_answer(
    *, token: str, scores: dict[int, int], comment: str = "", now: datetime, ip_address: str | None = None
) -> SurveyResponse:
    """The customer's contact answers through the one-time link (no login).

    The invitation row is locked: a link answers once, even when submitted twice at the same
    moment. Raises SurveyError for an unknown, used or expired link, or bad scores.
    """
    questions = active_questions()
    scores_check(scores, questions)
    with transaction.atomic():
        invitation = (
            SurveyInvitation.objects.select_for_update(of=("self",))
            .select_related("round")
            .filter(token=token)
            .first()
        )
        state = invitation_state(invitation, now=now)
        if state == "unknown":
            raise SurveyError("链接无效。")
        if state == "answered":
            raise SurveyError("此问卷已经提交过，感谢您的反馈。")
        if state == "expired":
            raise SurveyError("此链接已过期。")
        invitation.answered_at = now
        invitation.save(update_fields=["answered_at"])
        response = _response_write(
            customer_id=invitation.customer_id,
            round_id=invitation.round_id,
            invitation=invitation,
            source=ResponseSource.LINK,
            actor=None,
            visit_report_id=None,
            scores=scores,
            comment=comment[:2000],
            now=now,
            questions=questions,
        )
        audit_record(
            actor=None,
            action="surveys.response.answered_by_link",
            target=response,
            after={"scores": {q.code: scores[q.pk] for q in questions}},
            ip_address=ip_address,
        )
    return response


# --- Scheduled job ----------------------------------------------------------------------------

# How long before a round falls due its department's managers are reminded (in their digest).
ROUND_DUE_AHEAD_DAYS = 14


def survey_rounds_due_notify(*, now: datetime | None = None, since: datetime | None = None) -> dict:
    """§10: a department surveys its customers at least every `round_interval_months` (policy, 6).

    The managers of a department whose latest round opened that long ago (or that never opened
    one) are reminded in their digest, from ROUND_DUE_AHEAD_DAYS before the date on. One reminder
    per department and due date (the key), so reruns and late runs send nothing twice; a new
    round moves the due date and so earns the next reminder. A department that never surveyed is
    reminded once a month. The head office (总经办) runs no round of its own.
    """
    now = now or timezone.now()
    today = local_today(now)
    interval = SurveyPolicy.load().round_interval_months
    latest = dict(
        SurveyRound.objects.values("department_id")
        .annotate(last=Max("opened_on"))
        .values_list("department_id", "last")
    )
    due: dict[int, tuple[date | None, str]] = {}
    for department_id in Department.objects.filter(is_head_office=False).values_list("pk", flat=True):
        last = latest.get(department_id)
        if last is None:
            due[department_id] = (None, f"survey-round-due:{department_id}:never:{today:%Y-%m}")
            continue
        due_on = add_months(last, interval)
        if due_on - timedelta(days=ROUND_DUE_AHEAD_DAYS) <= today:
            due[department_id] = (due_on, f"survey-round-due:{department_id}:{due_on.isoformat()}")
    if not due:
        return {"departments": 0, "reminders": 0}
    url = reverse("surveys:rounds")
    rows = []
    with company_language():
        for manager in managers_of(due):
            due_on, key = due[manager.department_id]
            if due_on is None:
                title = _("No satisfaction survey yet in your department")
                body = _(
                    "Open a survey round: the regulations ask for one at least every %(months)d months."
                ) % {"months": interval}
            else:
                title = _("Satisfaction survey due on %(date)s") % {"date": due_on.isoformat()}
                body = _(
                    "The last round of your department opened on %(last)s; the regulations ask for one at "
                    "least every %(months)d months."
                ) % {"last": latest[manager.department_id].isoformat(), "months": interval}
            rows.append((manager.pk, "surveys_round_due", title, body, url, key))
    sent = notification_bulk_send_values(values=rows)
    return {"departments": len(due), "reminders": sent}
