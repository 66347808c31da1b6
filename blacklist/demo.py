"""Demo blacklist: an entry in every state, one active entry ending this week (idempotent).

Built through the services (dates moved back with `now=`), so customers carry the same marks
as in real use: active entries mark the customer and set it inactive, the expired ones leave
it waiting for re-admission, the re-admitted one is active again with grade C.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from crm.models import User
from customers.models import Customer, CustomerStatus

from . import services
from .models import BlacklistEntry, ReasonCategory

REASONS = {
    ReasonCategory.PAYMENT: "连续三个季度逾期付款，累计拖欠货款，多次催收无果。",
    ReasonCategory.CONTRACT: "合同签订后拒不提货，单方面终止合同，造成库存积压。",
    ReasonCategory.LOSS: "对外散布不实信息，损害我司商业信誉。",
    ReasonCategory.FRAUD: "提供虚假资质文件骗取赊销额度。",
    ReasonCategory.CRISIS: "主要股东涉诉，银行账户被冻结，经营严重困难。",
}


def _customers(department_code: str, n: int) -> list[Customer]:
    return list(
        Customer.objects.filter(
            department__code=department_code,
            status=CustomerStatus.ACTIVE,
            is_blacklisted=False,
            readmission_required=False,
            is_deleted=False,
        ).order_by("pk")[:n]
    )


def _report(actor, customer, category, loss, *, at):
    entry = services.blacklist_entry_report(
        actor=actor,
        customer_id=customer.pk,
        reason_category=category,
        reason=REASONS[category],
        loss_amount=loss,
        loss_description="货款损失及催收费用。" if loss else "",
        now=at,
    )
    BlacklistEntry.objects.filter(pk=entry.pk).update(created_at=at)  # demo history: reported back then
    return entry


@transaction.atomic
def seed(*, now=None) -> str:
    now = now or timezone.now()
    if BlacklistEntry.objects.exists():
        return "blacklist already seeded"
    people = {
        u.username: u
        for u in User.objects.filter(
            username__in=["gm", "manager_east", "manager_south", "sales_east_1", "sales_south_1"]
        )
    }
    if len(people) < 5:
        return "blacklist skipped: demo users missing"
    gm, east, south = people["gm"], people["manager_east"], people["manager_south"]
    east_customers = _customers("east", 5)
    south_customers = _customers("south", 4)
    if len(east_customers) < 5 or len(south_customers) < 4:
        return "blacklist skipped: not enough demo customers"
    today = timezone.localdate(now)
    days = lambda n: now - timedelta(days=n)  # noqa: E731

    # 待核实: reported by the manager, and a salesperson's proposal waiting for the manager.
    owner_customer = next(
        (c for c in east_customers if c.owner.username == "sales_east_1"), east_customers[0]
    )
    _report(
        east,
        east_customers[0] if owner_customer is not east_customers[0] else east_customers[1],
        ReasonCategory.PAYMENT,
        286_000,
        at=days(2),
    )
    if owner_customer.owner_id == people["sales_east_1"].pk:
        _report(people["sales_east_1"], owner_customer, ReasonCategory.CONTRACT, 0, at=days(1))
    remaining = [c for c in east_customers if not c.blacklist_entries.exists()]

    # 生效: one approved a month ago, one ending this week.
    active = _report(south, south_customers[0], ReasonCategory.FRAUD, 1_250_000, at=days(35))
    services.blacklist_entry_approve(actor=gm, entry_id=active.pk, comment="经核实属实。", now=days(30))
    ending = _report(east, remaining[0], ReasonCategory.LOSS, 80_000, at=days(185))
    ends_on = today + timedelta(days=3)
    services.blacklist_entry_approve(
        actor=gm,
        entry_id=ending.pk,
        ends_on=min(ends_on, services.validity_end(starts_on=timezone.localdate(days(180)))),
        comment="",
        now=days(180),
    )

    # 已到期: ended last month; one of them with a re-admission half approved.
    expired = _report(south, south_customers[1], ReasonCategory.CRISIS, 540_000, at=days(230))
    services.blacklist_entry_approve(actor=gm, entry_id=expired.pk, now=days(220))
    waiting = _report(east, remaining[1], ReasonCategory.PAYMENT, 120_000, at=days(240))
    services.blacklist_entry_approve(actor=gm, entry_id=waiting.pk, now=days(235))

    # 已恢复: blacklisted last year, re-admitted as C.
    back = _report(south, south_customers[2], ReasonCategory.CONTRACT, 60_000, at=days(300))
    services.blacklist_entry_approve(actor=gm, entry_id=back.pk, now=days(290))
    services.blacklist_entry_expire(now=now)
    conditions = dict.fromkeys(services.EVALUATION_CONDITIONS, True)
    req = services.blacklist_readmission_request(
        actor=south,
        entry_id=back.pk,
        evaluation="欠款已全部结清，经营恢复正常，同意重新合作。",
        conditions=conditions,
        expected_volume=600_000,
        now=days(20),
    )
    services.blacklist_readmission_approve(actor=south, request_id=req.pk, now=days(18))
    services.blacklist_readmission_approve(
        actor=gm, request_id=req.pk, comment="同意按C级重新准入。", now=days(15)
    )
    half = services.blacklist_readmission_request(
        actor=east,
        entry_id=waiting.pk,
        evaluation="客户已补齐资质并结清欠款。",
        conditions=conditions,
        now=days(3),
    )
    services.blacklist_readmission_approve(actor=gm, request_id=half.pk, now=days(2))

    # 已驳回
    rejected = _report(south, south_customers[3], ReasonCategory.PAYMENT, 15_000, at=days(60))
    services.blacklist_entry_reject(
        actor=gm, entry_id=rejected.pk, comment="金额较小，已协商解决，不予列入。", now=days(55)
    )
    return f"{BlacklistEntry.objects.count()} blacklist entries"
