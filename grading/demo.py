"""Demo data of grading (idempotent), run by `manage.py seed_demo` after customers.demo.

How the demo customers get their grades — the seed path, documented because only an approved
proposal may change a grade: for every active, ungraded customer the seed writes an *initial
grading* proposal dated a year back, computed by the rules on the figures of two years ago,
approved by its department manager (and by 总经办 for A), and applies it through the same
`_proposals_apply` as every approval (grade history + customers.services.customer_grade_apply).
A few new customers stay ungraded to show the provisional-grade button.

Then: this year's review round is opened (as the job would), its proposals are brought into
every state (approved, rejected, awaiting 总经办, withdrawn, awaiting the manager), incidents
are recorded, and one A customer has a demotion case running.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from crm.models import User
from customers.models import Customer, CustomerStatus, Grade, YearlyFigure

from .models import GradeProposal, GradingPolicy, Incident, ProposalApproval, ProposalState, Step
from .services import (
    GradingError,
    incident_record,
    proposal_approve,
    proposal_reject,
    proposal_withdraw,
    review_round_open,
)
from .services.proposals import _proposals_apply
from .services.rules import grade_suggest, promotion_needs_gm_office

MARK = "【演示】"


def seed(*, now=None) -> str:
    now = now or timezone.now()
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=[
                "gm",
                "manager_east",
                "manager_south",
                "sales_east_1",
                "sales_east_2",
                "sales_south_1",
            ]
        )
    }
    if len(users) < 6:
        return "skipped: run customers.demo first"
    graded = _initial_grades(now=now, users=users)
    summary = review_round_open(now=now, actor=None, annual=True)  # the demo shows this year's annual review
    scenario = (
        "already there"
        if Incident.objects.filter(description__startswith=MARK).exists()
        else _scenario(now=now, users=users)
    )
    return f"{graded} initial grades, round {summary['round']}: {summary['proposals']} new proposals; scenario {scenario}"


@transaction.atomic
def _initial_grades(*, now, users) -> int:
    policy = GradingPolicy.load().snapshot()
    when = now - timedelta(days=365)
    year = timezone.localdate(when).year - 1
    managers = {
        users["manager_east"].department_id: users["manager_east"],
        users["manager_south"].department_id: users["manager_south"],
    }
    figures = {
        f.customer_id: f
        for f in YearlyFigure.objects.filter(
            year=year, customer__grade="", customer__status=CustomerStatus.ACTIVE
        )
    }
    ungraded = list(
        Customer.objects.filter(
            grade="", status=CustomerStatus.ACTIVE, is_deleted=False, is_blacklisted=False
        )
        .exclude(grade_proposals__isnull=False)
        .order_by("pk")
    )
    proposals, approvals = [], []
    for i, c in enumerate(ungraded):
        if i % 40 == 7:
            continue  # left ungraded: the provisional-grade button and the nightly job have work
        f = figures.get(c.pk)
        grade = grade_suggest(
            volume=f.business_volume if f else 0,
            overdue_payments=f.overdue_payment_count if f else 0,
            overdue_pickups=f.overdue_pickup_count if f else 0,
            policy=policy,
        )
        proposals.append(
            GradeProposal(
                customer=c,
                from_grade="",
                to_grade=grade,
                reason="初始等级（系统上线时按上年度业务数据评定）",
                proposed_by=None,
                state=ProposalState.APPROVED,
                created_at=when,
                decided_at=when,
            )
        )
    GradeProposal.objects.bulk_create(proposals, batch_size=1000)
    names = {}
    gm = users["gm"]
    for p in proposals:
        manager = managers.get(p.customer.department_id)
        steps = [(Step.MANAGER, manager)] + ([(Step.GM, gm)] if promotion_needs_gm_office(p.to_grade) else [])
        for step, approver in steps:
            if approver is None:
                continue
            approvals.append(
                ProposalApproval(proposal=p, step=step, approver=approver, approved=True, decided_at=when)
            )
            names.setdefault(p.pk, []).append(approver.display_name)
    ProposalApproval.objects.bulk_create(approvals, batch_size=1000)
    _proposals_apply(proposals, now=when, approver_names=names)
    return len(proposals)


@transaction.atomic
def _scenario(*, now, users) -> str:
    """Bring the round's proposals into every state, record incidents, start a demotion case."""
    manager, gm = users["manager_east"], users["gm"]
    pending = list(
        GradeProposal.objects.filter(
            round__isnull=False,
            state=ProposalState.PENDING_MANAGER,
            customer__department_id=manager.department_id,
        )
        .select_related("customer")
        .order_by("pk")
    )
    promotions = [p for p in pending if p.to_grade == Grade.A]
    others = [p for p in pending if p.to_grade != Grade.A]
    done = {"approved": 0, "rejected": 0, "awaiting_gm": 0, "withdrawn": 0}
    try:
        for p in others[:4]:
            proposal_approve(
                proposal_id=p.pk,
                approver=manager,
                comment="同意，按年度数据调整",
                now=now - timedelta(days=1),
            )
            done["approved"] += 1
        for p in others[4:6]:
            proposal_reject(
                proposal_id=p.pk,
                approver=manager,
                comment="客户本年度订单回升，暂不调整",
                now=now - timedelta(days=1),
            )
            done["rejected"] += 1
        for p in others[6:7]:
            proposal_withdraw(proposal_id=p.pk, actor=manager, now=now)
            done["withdrawn"] += 1
        for p in promotions[:2]:
            proposal_approve(
                proposal_id=p.pk,
                approver=manager,
                comment="业绩突出，建议升为A级",
                now=now - timedelta(hours=5),
            )
            done["awaiting_gm"] += 1
        for p in promotions[2:3]:
            proposal_approve(proposal_id=p.pk, approver=manager, comment="同意", now=now - timedelta(hours=6))
            proposal_approve(proposal_id=p.pk, approver=gm, comment="批准", now=now - timedelta(hours=2))
            done["approved"] += 1
    except GradingError:
        pass
    # Incidents: late payment and a contract failure; one serious loss (reported to 总经办);
    # one against an A customer without an open proposal, which opens a running demotion case.
    sales = users["sales_east_1"]
    mine = Customer.objects.filter(owner=sales, status=CustomerStatus.ACTIVE, is_blacklisted=False)
    samples = list(mine.exclude(grade=Grade.A).order_by("pk")[:3])
    texts = [
        ("late_payment", "货款逾期45天未付，经多次催收后部分到账"),
        ("contract", "未按合同约定时间提货，延误两周"),
        ("loss", "客户擅自转售我司产品并低价倾销，造成市场损失"),
    ]
    for customer, (kind, text) in zip(samples, texts, strict=False):
        incident_record(
            actor=sales,
            customer_id=customer.pk,
            incident_type=kind,
            occurred_on=timezone.localdate(now) - timedelta(days=10),
            description=MARK + text,
            now=now - timedelta(days=9),
        )
    a_customer = (
        mine.filter(grade=Grade.A)
        .exclude(grade_proposals__state__in=[ProposalState.PENDING_MANAGER, ProposalState.PENDING_GM])
        .order_by("pk")
        .first()
    )
    if a_customer is not None:
        incident_record(
            actor=sales,
            customer_id=a_customer.pk,
            incident_type="crisis",
            occurred_on=timezone.localdate(now) - timedelta(days=2),
            description=MARK + "客户资金链紧张，出现重大经营危机",
            now=now - timedelta(days=2),
        )
    return (
        ", ".join(f"{k} {v}" for k, v in done.items())
        + f", {len(samples) + (a_customer is not None)} incidents"
    )
