"""The scheduled jobs of grading (§7): provisional grades, the six-month evaluation, the
demotion deadline (the review rounds: review.py, which reads the candidates the same way).

Each job is set-based and idempotent: one read of the candidates with their figures
(subqueries, not a query per customer), pure rules in Python, bulk inserts, and
a unique key that makes a rerun add nothing (one evaluation per customer and round, one
six-month evaluation per customer, one escalation per demotion case).
"""

from datetime import datetime, timedelta

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
    SystemReason,
)
from .bulk_evaluations import BATCH, _evaluate
from .common import customer_url
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
    "demotion_deadlines_escalate",
    "new_customer_evaluations_open",
    "provisional_grades_assign",
]
