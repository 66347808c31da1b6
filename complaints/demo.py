"""Demo complaints (run by `manage.py seed_demo` after customers.demo and visits.demo).

Tickets in every state, spread over the last months so that the measures page has curves:
one overdue and not yet assigned (the deadline job escalates it to the manager), one major
complaint (claim above the threshold, for 总经办), feedback logs, return visits recorded as
visit reports. Everything goes through the services, so the data obeys the rules. Idempotent:
nothing is added once demo tickets exist.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction

from crm.models import Department, User
from customers.models import Customer, Grade

from . import services
from .models import ComplaintType, Ticket

DESCRIPTIONS = {
    ComplaintType.QUALITY: [
        "收到的一批轴承有 3% 尺寸超差，影响装配",
        "产品表面有划痕，外观不合格",
        "批次性能不稳定，客户产线停机两小时",
    ],
    ComplaintType.SERVICE: ["售后工程师未按约定时间到场", "客服电话多次无人接听"],
    ComplaintType.DELIVERY: ["到货比合同约定晚了五天", "外包装破损，部分产品受潮"],
    ComplaintType.BILLING: ["发票金额与合同价格不一致", "对账单重复计费"],
    ComplaintType.OTHER: ["宣传资料与实际产品参数不符"],
}
ROOT_CAUSES = [
    ("来料检验漏检，供应商批次波动", "加严来料抽检比例，追加供应商整改"),
    ("物流承运商中转延误", "更换承运商并增加到货跟踪"),
    ("开票人员录入错误", "开票前增加复核环节"),
]
CONFIRMATIONS = [
    "客户确认问题已解决，对处理速度满意",
    "客户认可整改措施，希望加强沟通",
    "客户基本满意，提出继续观察两批",
]


def _user(username):
    return User.objects.filter(username=username).first()


def _customers(dept_code: str, owner: User, count: int) -> list[Customer]:
    qs = Customer.objects.filter(
        department__code=dept_code, owner=owner, is_deleted=False, is_blacklisted=False
    )
    return list(qs.order_by("id")[:count])


def seed(*, now) -> str:
    if Ticket.objects.exists():
        return "complaints already present"
    assistant, manager, sales1, sales2 = (
        _user("assistant_east"),
        _user("manager_east"),
        _user("sales_east_1"),
        _user("sales_east_2"),
    )
    south_manager, south_sales = _user("manager_south"), _user("sales_south_1")
    if not all([assistant, manager, sales1, sales2]):
        return "skipped: demo users missing"
    east = Department.objects.get(code="east")
    rng = random.Random(6)  # noqa: S311 - demo data
    customers = _customers("east", sales1, 12)
    a_far = (
        Customer.objects.filter(department=east, owner=sales1, grade=Grade.A, is_blacklisted=False)
        .exclude(province="上海市")
        .order_by("id")
        .first()
    ) or customers[0]
    if len(customers) < 6:
        return "skipped: demo customers missing"

    def open_(customer, *, days_ago, hours=0, kind=None, claim=0, actor=None):
        kind = kind or rng.choice(list(DESCRIPTIONS))
        return services.ticket_create(
            actor=actor or assistant,
            customer_id=customer.pk,
            channel=rng.choice(["phone", "email", "via_salesperson"]),
            complaint_type=kind,
            description=rng.choice(DESCRIPTIONS[kind]),
            received_at=now - timedelta(days=days_ago, hours=hours),
            claim_amount=Decimal(claim),
            now=now,
        )

    def assign(t, handler=None, after=timedelta(hours=2)):
        at = t.received_at + after
        return services.ticket_assign(
            actor=manager,
            ticket_id=t.pk,
            department=east,
            handler=handler or sales2,
            time_limit_at=t.deadline_at,
            now=at,
        )

    def resolve(t, after):
        cause, action = rng.choice(ROOT_CAUSES)
        return services.ticket_resolve(
            actor=t.handler,
            ticket_id=t.pk,
            root_cause=cause,
            corrective_action=action,
            now=t.received_at + after,
        )

    def return_visit(t, after, score):
        at = t.received_at + after
        return services.ticket_return_visit_record(
            actor=sales1,
            ticket_id=t.pk,
            satisfaction=score,
            confirmation=rng.choice(CONFIRMATIONS),
            visited_on=at.date(),
            mode="phone",
            now=at,
        )

    def feedback(t, after, text):
        services.feedback_add(
            actor=t.handler or sales1,
            ticket_id=t.pk,
            given_at=t.received_at + after,
            method=rng.choice(["phone", "wechat", "email"]),
            content=text,
            now=now,
        )

    with transaction.atomic():
        # Closed tickets over the last months: the measures' history (some resolved late).
        for i, months_ago in enumerate([5, 5, 4, 4, 3, 3, 2, 2, 1, 1]):
            t = assign(open_(customers[i % len(customers)], days_ago=30 * months_ago + i))
            resolve(t, timedelta(hours=20 if i % 3 else 60))
            return_visit(t, timedelta(days=3), score=[5, 4, 4, 3, 5, 2, 4, 5, 3, 4][i])
            services.ticket_close(actor=manager, ticket_id=t.pk, now=t.received_at + timedelta(days=4))
        # 已回访, waiting for the manager to close.
        t = assign(open_(customers[1], days_ago=6, kind=ComplaintType.DELIVERY))
        resolve(t, timedelta(hours=22))
        return_visit(t, timedelta(days=2), score=4)
        # 已处理, waiting for the return visit.
        t = assign(open_(customers[2], days_ago=3, kind=ComplaintType.BILLING))
        feedback(t, timedelta(hours=4), "已核对合同价格，财务正在重开发票")
        resolve(t, timedelta(hours=20))
        # 处理中 for the out-of-province A customer, with feedback given.
        t = assign(open_(a_far, days_ago=1, kind=ComplaintType.QUALITY, actor=sales1))
        feedback(t, timedelta(hours=3), "已安排质检工程师明日到现场")
        # Major complaint: a claim above the threshold goes to 总经办.
        t = assign(open_(customers[3], days_ago=0, hours=5, kind=ComplaintType.QUALITY, claim=150_000))
        # 处理中 for 8 days with too little feedback: flagged.
        t = assign(open_(customers[4], days_ago=8, kind=ComplaintType.SERVICE))
        feedback(t, timedelta(days=1), "已致电客户说明处理进度")
        # 已受理 and overdue (in-province 24 h passed, nobody assigned): the job escalates it.
        open_(customers[5], days_ago=2, hours=6, kind=ComplaintType.DELIVERY)
        # 已受理, fresh.
        open_(customers[6 % len(customers)], days_ago=0, hours=1, kind=ComplaintType.OTHER, actor=sales1)
        # The south department has its own.
        if south_manager and south_sales:
            for c in _customers("south", south_sales, 2):
                open_(c, days_ago=0, hours=3, actor=south_sales)
    escalated = services.complaint_deadlines_escalate(now=now)
    return f"{Ticket.objects.count()} tickets, {escalated['overdue']} overdue escalated"
