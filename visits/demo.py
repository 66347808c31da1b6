"""Demo data of visits: a year of reports, plans for this week, next steps, overdue customers.

Run by `manage.py seed_demo` after customers.demo (and grading.demo, which gives the grades
the cadence needs). Idempotent: nothing is added when the demo salespeople already have
reports. Rows are bulk-inserted (a demo of ~1,500 reports); the cadence state on the customer
is set through customers.services.customer_onsite_visit_record, as the report service does.
"""

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from crm.models import Role, User
from customers.models import Customer, CustomerStatus
from customers.services import customer_onsite_visit_record

from .models import (
    CooperationIntent,
    NextStep,
    PlanStatus,
    VisitMode,
    VisitPlan,
    VisitPolicy,
    VisitPurpose,
    VisitReport,
)

NEEDS = [
    "明年产能扩张，需要新型号报价",
    "希望缩短交期到两周",
    "关注节能型产品",
    "计划更换部分老设备",
    "需要配套售后培训",
    "",
]
OPINIONS = ["对上批货质量满意", "包装需要加强防潮", "希望账期延长到60天", "对售后响应速度有意见", ""]
PROBLEMS = ["上月一批货到货延迟三天", "发票信息有误已更正", "", "", ""]
COMPETITORS = ["竞争对手降价5%抢单", "进口品牌在推新系列", "本地小厂报价更低但质量不稳", "", ""]
STEPS = ["发送新型号报价单", "安排技术交流会", "寄送样品", "确认年度框架协议", "回复账期申请"]
PURPOSES = ["季度业务回顾", "新产品介绍", "年度合同洽谈", "售后问题回访", "了解采购计划"]
MODES = (
    [VisitMode.ONSITE] * 5
    + [VisitMode.PHONE] * 3
    + [VisitMode.EMAIL, VisitMode.VIDEO, VisitMode.TRADE_FAIR, VisitMode.CUSTOMER_VISIT]
)


def seed(*, now=None) -> str:
    now = now or timezone.now()
    today = timezone.localdate(now)
    salespeople = list(
        User.objects.filter(role=Role.SALESPERSON, username__startswith="sales_").order_by("username")
    )
    if not salespeople:
        return "no demo salespeople: run customers.demo first"
    if VisitReport.objects.filter(author__in=salespeople).exists():
        return "already seeded"
    VisitPolicy.load()
    rng = random.Random(5)
    tz = timezone.get_current_timezone()
    customers = list(
        Customer.objects.filter(owner__in=salespeople, is_deleted=False)
        .exclude(status=CustomerStatus.INACTIVE)
        .prefetch_related("contacts")
        .order_by("pk")
    )
    reports, links, steps, last_onsite = [], [], [], {}
    with transaction.atomic():
        for i, customer in enumerate(customers):
            contacts = list(customer.contacts.all())
            # Every 6th customer has had no on-site visit for 70 to 200 days: overdue if graded A/B.
            neglected = i % 6 == 0
            for _k in range(rng.randint(2, 8)):
                mode = rng.choice(MODES)
                days_ago = rng.randrange(1, 365)
                if neglected and mode == VisitMode.ONSITE and days_ago < 70:
                    days_ago = rng.randrange(70, 200)
                visited_on = today - timedelta(days=days_ago)
                report = VisitReport(
                    customer=customer,
                    author=customer.owner,
                    visited_on=visited_on,
                    mode=mode,
                    latest_needs=rng.choice(NEEDS),
                    opinions=rng.choice(OPINIONS),
                    problems=rng.choice(PROBLEMS),
                    competitor_news=rng.choice(COMPETITORS),
                    cooperation_intent=rng.choice(CooperationIntent.values),
                )
                reports.append((report, rng.sample(contacts, k=min(len(contacts), rng.randint(0, 2)))))
                if mode == VisitMode.ONSITE and visited_on > last_onsite.get(
                    customer.pk, visited_on - timedelta(days=1)
                ):
                    last_onsite[customer.pk] = visited_on
        VisitReport.objects.bulk_create([r for r, _c in reports], batch_size=500)
        through = VisitReport.contacts.through
        for report, met in reports:
            links += [through(visitreport_id=report.pk, contact_id=c.pk) for c in met]
            if report.visited_on >= today - timedelta(days=20) and rng.random() < 0.5:
                due = report.visited_on + timedelta(days=rng.choice([3, 7, 14, 21]))
                steps.append(
                    NextStep(
                        report=report,
                        text=rng.choice(STEPS),
                        due_on=due,
                        owner=report.author,
                        done_at=now if due < today - timedelta(days=5) else None,
                    )
                )
        through.objects.bulk_create(links, batch_size=1000)
        NextStep.objects.bulk_create(steps, batch_size=1000)
        for customer_id, visited_on in last_onsite.items():
            customer_onsite_visit_record(customer_id=customer_id, visited_on=visited_on)

        plans = 0
        days_left_in_week = 7 - today.weekday()
        for person in salespeople:
            own = [c for c in customers if c.owner_id == person.pk and not c.is_blacklisted]
            for j, customer in enumerate(rng.sample(own, k=min(len(own), 8))):
                day = today if j < 2 else today + timedelta(days=rng.randrange(0, days_left_in_week))
                at = datetime.combine(day, time(9 + (j % 4) * 2, 30), tzinfo=tz)
                plan = VisitPlan.objects.create(
                    customer=customer,
                    purpose=rng.choice(PURPOSES),
                    planned_at=at,
                    created_by=person,
                    content="了解下季度采购计划，介绍新品，确认账期",
                    status=PlanStatus.CONFIRMED if j % 3 == 0 else PlanStatus.PLANNED,
                )
                plan.visitors.add(person)
                plan.contacts.set(list(customer.contacts.all())[:1])
                plans += 1
        return_visits = _return_visits(salespeople, customers, now=now)
    return (
        f"{len(reports)} reports, {len(steps)} next steps, {plans} plans, "
        f"{len(last_onsite)} customers visited on site, {return_visits} return visits with satisfaction"
    )


def _return_visits(salespeople, customers, *, now) -> int:
    """One 回访 per salesperson, through the service: the report with the customer's satisfaction."""
    from surveys.selectors import active_questions

    from .services import visit_report_create

    questions = active_questions()
    done = 0
    for n, person in enumerate(salespeople):
        own = [
            c for c in customers if c.owner_id == person.pk and not c.is_blacklisted and c.grade in ("A", "B")
        ]
        if not own:
            continue
        visit_report_create(
            author=person,
            customer_id=own[0].pk,
            purpose=VisitPurpose.RETURN_VISIT,
            data={
                "visited_on": timezone.localdate(now) - timedelta(days=3 + n),
                "mode": VisitMode.ONSITE,
                "opinions": "对产品质量满意，希望交期更稳定",
            },
            satisfaction={
                "scores": {q.pk: 5 - (i + n) % 3 for i, q in enumerate(questions)},
                "comment": "交期再稳定一些更好",
            },
            now=now,
        )
        done += 1
    return done
