"""The scheduled jobs of grading (§7) and the annual review round.

Each job is set-based and idempotent: one read of the candidates with their figures
(subqueries, not a query per customer), pure rules in Python, bulk inserts, and
a unique key that makes a rerun add nothing (one evaluation per customer and round, one
six-month evaluation per customer, one escalation per demotion case).
"""

from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import (
    DecimalField,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.models import Notification, User
from crm.services import (
    add_months,
    audit_record,
    company_language,
    gm_office_users,
    managers_of,
    notification_bulk_send,
)
from customers.models import Customer, CustomerStatus, YearlyFigure

from ..models import (
    OPEN_STATES,
    DemotionCase,
    Evaluation,
    EvaluationKind,
    GradeChange,
    GradeProposal,
    GradingPolicy,
    ProposalKind,
    ProposalState,
    ReviewRound,
    RoundKind,
    SystemReason,
    WithdrawalReason,
)
from .bulk_evaluations import BATCH, _evaluate
from .common import GradingError, customer_url
from .proposals import _proposals_apply
from .rules import provisional_grade


def _gradable() -> QuerySet[Customer]:
    """Active, non-deleted customers not on the blacklist (blacklisted ones are left out, §4)."""
    return Customer.objects.filter(status=CustomerStatus.ACTIVE, is_deleted=False, is_blacklisted=False)


def _with_figures(qs: QuerySet[Customer], *, year: int | None) -> QuerySet[Customer]:
    """Annotate the figures of `year` (or the latest year when None) and an open-proposal flag."""
    money = DecimalField(max_digits=16, decimal_places=2)
    has_open = Exists(GradeProposal.objects.filter(customer=OuterRef("pk"), state__in=OPEN_STATES))
    if year is not None:
        # One LEFT JOIN to the year's row (unique per customer and year), not five subqueries
        # per customer: the annual review reads ~85,000 customers (bench finding 7).
        qs = qs.annotate(fig=FilteredRelation("yearly_figures", condition=Q(yearly_figures__year=year)))
        return qs.annotate(
            fig_year=F("fig__year"),
            fig_volume=Coalesce(F("fig__business_volume"), Value(0), output_field=money),
            fig_receivables=Coalesce(F("fig__receivables"), Value(0), output_field=money),
            fig_overdue_pay=Coalesce(F("fig__overdue_payment_count"), Value(0)),
            fig_overdue_pick=Coalesce(F("fig__overdue_pickup_count"), Value(0)),
            has_open=has_open,
        )
    figures = YearlyFigure.objects.filter(customer=OuterRef("pk")).order_by("-year")
    return qs.annotate(
        fig_year=Subquery(figures.values("year")[:1], output_field=IntegerField()),
        fig_volume=Coalesce(
            Subquery(figures.values("business_volume")[:1], output_field=money), Value(0), output_field=money
        ),
        fig_receivables=Coalesce(
            Subquery(figures.values("receivables")[:1], output_field=money), Value(0), output_field=money
        ),
        fig_overdue_pay=Coalesce(Subquery(figures.values("overdue_payment_count")[:1]), Value(0)),
        fig_overdue_pick=Coalesce(Subquery(figures.values("overdue_pickup_count")[:1]), Value(0)),
        has_open=has_open,
    )


FIELDS = (
    "pk",
    "department_id",
    "grade",
    "grade_provisional",
    "fig_year",
    "fig_volume",
    "fig_receivables",
    "fig_overdue_pay",
    "fig_overdue_pick",
    "has_open",
)


# --- Provisional grades and the six-month evaluation -------------------------------------------


def provisional_grades_assign(
    customers: QuerySet[Customer], *, now: datetime, proposer: User | None = None
) -> list[GradeProposal]:
    """暂定等级 for the active, ungraded customers among `customers` (§3).

    The grade comes from the rules on the latest yearly figures, at most B (rules.provisional_grade),
    recorded as an approved proposal of kind "provisional" and in the grade history. Customers
    with an open proposal are left to it.
    """
    policy = GradingPolicy.load().snapshot()
    gradable = customers.filter(
        grade="", status=CustomerStatus.ACTIVE, is_deleted=False, is_blacklisted=False
    )
    rows = _with_figures(gradable, year=None).values_list(*FIELDS)
    proposals = []
    for pk, _dept, _grade, _prov, _year, volume, _rec, pay, pick, has_open in rows.iterator(chunk_size=BATCH):
        if has_open:
            continue
        grade = provisional_grade(volume=volume, overdue_payments=pay, overdue_pickups=pick, policy=policy)
        proposals.append(
            GradeProposal(
                customer_id=pk,
                kind=ProposalKind.PROVISIONAL,
                from_grade="",
                to_grade=grade,
                to_provisional=True,
                reason_code=SystemReason.PROVISIONAL,
                proposed_by=proposer,
                state=ProposalState.APPROVED,
                created_at=now,
                decided_at=now,
            )
        )
    GradeProposal.objects.bulk_create(proposals, batch_size=BATCH)
    _proposals_apply(proposals, now=now, approver_names={})
    return proposals


def new_customer_evaluations_open(*, now: datetime | None = None, since: datetime | None = None) -> dict:
    """Job `new-customer-evaluation` (daily): provisional grades, then the six-month evaluation.

    1. Every active, ungraded, non-blacklisted customer gets its provisional grade (暂定等级)
       from the rules; the grade history records it as set by the system.
    2. Customers that had a provisional grade (still, or changed since) whose cooperation
       reached the policy's months (6) get one system evaluation (unique per customer) and a proposal to the suggested grade,
       which also confirms an unchanged provisional grade; their managers are told, once a day
       per department.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    policy_obj = GradingPolicy.load()
    policy = policy_obj.snapshot()
    with transaction.atomic():
        provisional = provisional_grades_assign(Customer.objects.all(), now=now)
        cutoff = add_months(today, -policy_obj.new_customer_evaluation_months)
        # A new customer is one that had a provisional grade: it is evaluated once at six months
        # whatever happened to the grade since (a provisional B changed to C in March is still
        # evaluated in July); customers graded before the system, never provisional, are not.
        was_provisional = Exists(GradeChange.objects.filter(customer=OuterRef("pk"), provisional=True))
        due = (
            _gradable()
            .filter(Q(grade_provisional=True) | was_provisional, cooperation_start__lte=cutoff)
            .exclude(
                Exists(Evaluation.objects.filter(customer=OuterRef("pk"), kind=EvaluationKind.NEW_CUSTOMER))
            )
        )
        evaluations, proposals = _evaluate(
            _with_figures(due, year=None).values_list(*FIELDS).iterator(chunk_size=BATCH),
            kind=EvaluationKind.NEW_CUSTOMER,
            round_=None,
            default_year=today.year,
            policy=policy,
            now=now,
            reason_code=SystemReason.SIX_MONTH,
        )
        notified = _notify_managers(
            proposals,
            now=now,
            key=f"grading-new-eval:{today.isoformat()}",
            title=gettext_lazy("%(count)d new customers evaluated after six months: proposals await you"),
        )
    return {
        "provisional": len(provisional),
        "evaluated": len(evaluations),
        "proposals": len(proposals),
        "notified": notified,
    }


# --- The annual review round -------------------------------------------------------------------


def _in_window(policy: GradingPolicy, today: date) -> bool:
    start = (policy.review_opens_month, policy.review_opens_day)
    end = (policy.review_closes_month, policy.review_closes_day)
    return start <= (today.month, today.day) <= end


def review_window_open(*, today: date) -> bool:
    """Is `today` inside the policy's annual review window (a round started now is the annual one)?"""
    return _in_window(GradingPolicy.load(), today)


def _missed_window(policy: GradingPolicy, today: date, since: datetime | None) -> bool:
    """The window opened after the job's last success and before today, and no round of the
    year exists: the job was down then, and opens the round late (§7: late runs catch up)."""
    if since is None:
        return False  # a first run ever does not start a round out of season
    opens_on = date(today.year, policy.review_opens_month, policy.review_opens_day)
    return (
        timezone.localdate(since) < opens_on <= today
        and not ReviewRound.objects.filter(year=today.year, kind=RoundKind.ANNUAL).exists()
    )


def annual_review_open(*, now: datetime | None = None, since: datetime | None = None) -> dict:
    """Job `annual-review` (daily): inside the policy's window (25-30 March) open this year's
    round for every department; after the window, close it. A rerun adds nothing; a run late
    after downtime that missed the window opens the round then, with a window of the same length."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    policy = GradingPolicy.load()
    closed = ReviewRound.objects.filter(closed_at__isnull=True, closes_on__lt=today).update(closed_at=now)
    if not (_in_window(policy, today) or _missed_window(policy, today, since)):
        return {"opened": False, "closed_rounds": closed}
    summary = review_round_open(now=now, actor=None, annual=True)
    return {"opened": True, "closed_rounds": closed, **summary}


def review_round_open(
    *, now: datetime | None = None, actor: User | None = None, annual: bool | None = None
) -> dict:
    """年度评审: evaluate every active, non-blacklisted customer on last year's figures and
    propose a change where the suggestion differs from the grade (§3).

    Started by the job (all departments) or by a manager from the 分级评审 page (their
    department; 总经办: all). Inside the policy's window (or when the job catches up a missed
    window, `annual=True`) it is the year's annual round; outside it, an interim review
    (临时评审), a round of its own: the annual round later evaluates every customer again on the
    final figures, and an interim proposal still open gives way to it (withdrawn, reason kept).
    Idempotent: one evaluation per customer and round (a database constraint), so a second run
    in the same round creates nothing. Set-based: one read with subqueries, bulk inserts.
    Raises GradingError for a user who may not start it or an annual round already closed.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    if actor is not None and not (actor.is_manager or actor.is_gm_office or actor.is_administrator):
        raise GradingError(_("Only a manager or the general manager's office may start the annual review."))
    if actor is not None and actor.is_manager and not actor.department_id:
        raise GradingError(_("You belong to no department."))
    policy_obj = GradingPolicy.load()
    policy = policy_obj.snapshot()
    if annual is None:
        annual = _in_window(policy_obj, today)
    opens_on = date(today.year, policy_obj.review_opens_month, policy_obj.review_opens_day)
    closes_on = date(today.year, policy_obj.review_closes_month, policy_obj.review_closes_day)
    if closes_on < today or not annual:
        closes_on = today + (closes_on - opens_on)  # a window of the same length from today
    with transaction.atomic():
        candidates = _gradable().order_by()
        if actor is not None and actor.is_manager:
            candidates = candidates.filter(department_id=actor.department_id)
        if annual:
            round_, created = ReviewRound.objects.get_or_create(
                year=today.year,
                kind=RoundKind.ANNUAL,
                defaults={
                    "period_year": today.year - 1,
                    "opened_at": now,
                    "opened_by": actor,
                    "closes_on": closes_on,
                },
            )
            if not round_.is_open:
                raise GradingError(_("The review round of %(year)d is closed.") % {"year": round_.year})
            superseded = _interim_proposals_supersede(candidates, now=now, actor=actor)
            reason = {
                "reason_code": SystemReason.ANNUAL_REVIEW,
                "reason_params": {"year": round_.year, "period": round_.period_year},
            }
        else:
            round_ = (
                ReviewRound.objects.select_for_update()
                .filter(kind=RoundKind.INTERIM, closed_at__isnull=True, closes_on__gte=today)
                .first()
            )
            created = round_ is None
            if created:
                ReviewRound.objects.filter(kind=RoundKind.INTERIM, closed_at__isnull=True).update(
                    closed_at=now
                )
                round_ = ReviewRound.objects.create(
                    kind=RoundKind.INTERIM,
                    year=today.year,
                    period_year=today.year - 1,
                    opened_at=now,
                    opened_by=actor,
                    closes_on=closes_on,
                )
            superseded = 0
            reason = {
                "reason_code": SystemReason.INTERIM_REVIEW,
                "reason_params": {
                    "date": timezone.localdate(round_.opened_at).isoformat(),
                    "period": round_.period_year,
                },
            }
        # The customers the round evaluated already, read in one indexed query into a set: an
        # anti-join (NOT EXISTS) planned before the statistics know the round's new rows became a
        # nested loop over 85,000 × 85,000 rows on a rerun (bench finding 7).
        evaluated = set(
            Evaluation.objects.filter(round=round_).order_by().values_list("customer_id", flat=True)
        )
        rows = (
            r
            for r in _with_figures(candidates, year=round_.period_year)
            .values_list(*FIELDS)
            .iterator(chunk_size=BATCH)
            if r[0] not in evaluated
        )
        evaluations, proposals = _evaluate(
            rows,
            kind=EvaluationKind.ANNUAL,
            round_=round_,
            default_year=round_.period_year,
            policy=policy,
            now=now,
            **reason,
        )
        notified = _notify_managers(
            proposals,
            now=now,
            key=f"grading-round:{round_.pk}",
            title=gettext_lazy("%(count)d grade changes proposed by the annual review await you")
            if annual
            else gettext_lazy("%(count)d grade changes proposed by an interim review await you"),
        )
        if created or evaluations:  # a rerun that evaluates nobody changes nothing: no audit row
            audit_record(
                actor=actor,
                action="grading.round.opened" if created else "grading.round.extended",
                target=round_,
                after={
                    "kind": round_.kind,
                    "evaluations": len(evaluations),
                    "proposals": len(proposals),
                    "superseded": superseded,
                },
            )
    return {
        "round": round_.year,
        "kind": round_.kind,
        "evaluated": len(evaluations),
        "proposals": len(proposals),
        "notified": notified,
    }


def _interim_proposals_supersede(candidates: QuerySet[Customer], *, now: datetime, actor: User | None) -> int:
    """The annual round replaces the open proposals of interim reviews (made on figures that
    were not final) for the customers it evaluates; the interim rounds close."""
    stale = GradeProposal.objects.filter(
        round__kind=RoundKind.INTERIM,
        state__in=OPEN_STATES,
        customer__in=candidates.values("pk"),
    )
    ids = list(stale.values_list("pk", flat=True))
    GradeProposal.objects.filter(pk__in=ids).update(
        state=ProposalState.WITHDRAWN, decided_at=now, withdrawn_reason=WithdrawalReason.SUPERSEDED
    )
    ReviewRound.objects.filter(kind=RoundKind.INTERIM, closed_at__isnull=True).update(closed_at=now)
    if ids:
        audit_record(
            actor=actor, action="grading.proposal.superseded", target=None, after={"proposals": ids[:1000]}
        )
    return len(ids)


def _notify_managers(proposals: list[GradeProposal], *, now: datetime, key: str, title) -> int:
    """One notification per department manager with the count of new proposals (not one each).

    `title` is lazy (gettext_lazy) and worded here in the company's language: the annual review
    may be started from an English request (see crm.services.notification_send)."""
    counts: dict[int, int] = {}
    for p in proposals:
        counts[p.department_id] = counts.get(p.department_id, 0) + 1
    if not counts:
        return 0
    from django.urls import reverse

    with company_language():
        title = str(title)
    rows = [
        Notification(
            recipient_id=m.pk,
            kind="grading_approval",
            title=title % {"count": counts[m.department_id]},
            url=reverse("admin:grading_gradeproposal_changelist"),
            dedup_key=f"{key}:{m.department_id}",
        )
        for m in managers_of(counts)
    ]
    return notification_bulk_send(rows=rows)


# --- The demotion deadline ---------------------------------------------------------------------


def demotion_deadlines_escalate(*, now: datetime | None = None, since: datetime | None = None) -> dict:
    """Job `demotion-deadlines` (daily): an A customer not demoted within the policy's days (5)
    after an incident is escalated to its department manager and 总经办, once per case
    (dedup key and `escalated_at`), however late or often the job runs."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            DemotionCase.objects.filter(
                resolved_at__isnull=True, escalated_at__isnull=True, deadline__lte=now
            )
            .select_for_update(of=("self",))
            .values_list("pk", "customer_id", "customer__name", "customer__department_id", "deadline")
        )
        if not due:
            return {"escalated": 0, "notifications": 0}
        managers: dict[int, list[int]] = {}
        for pk, dept in managers_of({d[3] for d in due}).values_list("pk", "department_id"):
            managers.setdefault(dept, []).append(pk)
        gms = list(gm_office_users().values_list("pk", flat=True))
        rows = []
        for case_pk, customer_id, name, dept, deadline in due:
            overdue_days = max((now - deadline) // timedelta(days=1), 0)
            for recipient in {*managers.get(dept, []), *gms}:
                rows.append(
                    Notification(
                        recipient_id=recipient,
                        kind="grading_demotion_overdue",
                        title=_("Demotion overdue: %(customer)s is still A after an incident")
                        % {"customer": name},
                        body=_("The deadline was %(deadline)s (%(days)d days ago).")
                        % {
                            "deadline": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M"),
                            "days": overdue_days,
                        },
                        url=customer_url(customer_id),
                        dedup_key=f"grading-demotion-overdue:{case_pk}",
                    )
                )
        sent = notification_bulk_send(rows=rows)
        DemotionCase.objects.filter(pk__in=[d[0] for d in due]).update(escalated_at=now)
    return {"escalated": len(due), "notifications": sent}


__all__ = [
    "review_window_open",
    "annual_review_open",
    "demotion_deadlines_escalate",
    "new_customer_evaluations_open",
    "provisional_grades_assign",
    "review_round_open",
]
