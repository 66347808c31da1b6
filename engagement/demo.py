"""Demo data of key accounts (§9, §14): tiers with their history and one proposal awaiting 总经办,
account managers (one key account left without), a month of contacts with due and overdue ones
for each role, the visit reports in the contact log, birthdays in the next days, a customer
meeting in one department (the other has none this year), and the cadence job's snapshot.

Run by `manage.py seed_demo` after visits.demo. Idempotent: nothing is added when a demo tier
history exists.
"""

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from crm.models import Role, User
from customers.models import Contact, Customer, CustomerStatus, CustomerTier

from .models import ContactMode, ContactRecord, CustomerMeeting, MeetingInvitation, TierChange
from .services import cadence_reminders_send, customer_tier_set, meeting_invitees

SUMMARIES = [
    "确认下月订单数量",
    "沟通交期调整",
    "了解新项目进展",
    "反馈样品测试结果",
    "讨论年度价格",
    "问候并了解近况",
]
STEPS = ["发送报价单", "安排技术交流", "寄送样品", "确认合同条款", ""]
VISIT_MODES = {"onsite": ContactMode.VISIT, "phone": ContactMode.PHONE, "email": ContactMode.EMAIL}


def seed(*, now=None) -> str:
    now = now or timezone.now()
    managers = {
        u.department_id: u for u in User.objects.filter(role=Role.MANAGER, username__startswith="manager_")
    }
    gm = User.objects.filter(username="gm").first()
    if not managers or gm is None:
        return "no demo managers: run customers.demo first"
    if TierChange.objects.filter(proposed_by__in=managers.values()).exists():
        return "already seeded"
    rng = random.Random(18)
    tz = timezone.get_current_timezone()
    with transaction.atomic():
        User.objects.filter(pk=gm.pk).update(is_vice_president=True)
        stats = {"tiers": 0, "contacts": 0}
        for dept_id, manager in sorted(managers.items()):
            customers = list(
                Customer.objects.filter(
                    department_id=dept_id,
                    is_deleted=False,
                    is_blacklisted=False,
                    status=CustomerStatus.ACTIVE,
                ).order_by("grade", "pk")[:40]
            )
            if len(customers) < 12:
                continue
            strategic, key, reserve = customers[:2], customers[2:8], customers[-2:]
            entered = now - timedelta(days=60)
            for c, tier in [
                *((c, CustomerTier.STRATEGIC) for c in strategic),
                *((c, CustomerTier.KEY) for c in key),
                *((c, CustomerTier.RESERVE) for c in reserve),
            ]:
                TierChange.objects.create(
                    customer=c,
                    from_tier=c.tier,
                    to_tier=tier,
                    reason="年度客户分层",
                    proposed_by=manager,
                    approved_by=gm if tier == "strategic" else None,
                    changed_at=entered,
                )
                Customer.objects.filter(pk=c.pk).update(tier=tier)
                stats["tiers"] += 1
            # 专员专管: every key account but the last has its account manager (the owner).
            for c in [*strategic, *key][:-1]:
                Customer.objects.filter(pk=c.pk).update(account_manager_id=c.owner_id)
            # One change to 战略 awaiting 总经办.
            customer_tier_set(
                actor=manager,
                customer_id=customers[8].pk,
                to_tier=CustomerTier.STRATEGIC,
                reason="双方签订技术合作协议，共同开发新产品",
                now=now,
            )
            stats["contacts"] += _contacts(rng, tz, now, manager, gm, [*strategic, *key], customers[8:20])
        stats["contacts"] += _visits_as_contacts()
        _birthdays(now)
        _meeting(now, managers)
    summary = cadence_reminders_send(now=now)
    return (
        f"{stats['tiers']} tiers, {stats['contacts']} contacts, "
        f"{summary['overdue']} overdue / {summary['due']} due by the cadence"
    )


def _at(tz, day, rng) -> datetime:
    return datetime.combine(day, time(rng.randint(9, 17), rng.choice([0, 15, 30, 45])), tzinfo=tz)


def _contacts(rng, tz, now, manager, gm, key_accounts, ordinary) -> int:
    """A month of calls: the head every 4–6 days for most key accounts (two fall behind: overdue),
    the owners weekly, the vice-president monthly for 战略 (one is due), the head monthly for 一般."""
    today = timezone.localdate(now)
    contacts = {
        c.pk: list(Contact.objects.filter(customer=c).values_list("pk", flat=True)[:2]) for c in key_accounts
    }
    rows = []

    def add(customer, user, day, mode=ContactMode.PHONE):
        ids = contacts.get(customer.pk) or []
        step = rng.choice(STEPS)
        rows.append(
            ContactRecord(
                customer=customer,
                user=user,
                contact_id=ids[0] if ids else None,
                mode=mode,
                contacted_at=_at(tz, day, rng),
                summary=rng.choice(SUMMARIES),
                next_step=step,
                next_step_on=today + timedelta(days=rng.randint(2, 10)) if step else None,
            )
        )

    for n, c in enumerate(key_accounts):
        behind = n in (3, 6)  # the head's calls stopped 10–12 days ago: overdue
        last = 10 + n if behind else rng.randint(0, 6)
        for ago in range(last, 31, rng.randint(4, 6)):
            add(c, manager, today - timedelta(days=ago))
        for ago in range(rng.randint(0, 3), 31, 7):
            add(c, c.owner, today - timedelta(days=ago), rng.choice([ContactMode.PHONE, ContactMode.WECHAT]))
        if c.tier == CustomerTier.STRATEGIC:
            add(c, gm, today - timedelta(days=24 + n * 6))  # one is due, one overdue for the vice-president
    for n, c in enumerate(ordinary):
        if n % 3:
            add(c, manager, today - timedelta(days=rng.randint(1, 25)))
        add(c, c.owner, today - timedelta(days=rng.randint(0, 20)), rng.choice(list(ContactMode)[:4]))
    ContactRecord.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _visits_as_contacts() -> int:
    """The demo visit reports (bulk-inserted by visits.demo) in the contact log, as the visit
    service records them."""
    from visits.models import VisitReport

    tz = timezone.get_current_timezone()
    rows = [
        ContactRecord(
            customer_id=r.customer_id,
            user_id=r.author_id,
            mode=VISIT_MODES.get(r.mode, ContactMode.MEETING),
            contacted_at=datetime.combine(r.visited_on, time(12, 0), tzinfo=tz),
            summary=r.latest_needs or r.summary,
            source=f"visit:{r.pk}",
        )
        for r in VisitReport.objects.only(
            "pk", "customer_id", "author_id", "mode", "visited_on", "latest_needs", "summary"
        )
    ]
    ContactRecord.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)


def _birthdays(now) -> None:
    today = timezone.localdate(now)
    for n, contact in enumerate(
        Contact.objects.filter(customer__tier__in=["strategic", "key"]).order_by("pk")[:4]
    ):
        day = today + timedelta(days=n % 3 + 1)
        Contact.objects.filter(pk=contact.pk).update(birthday=day.replace(year=1978 + n))


def _meeting(now, managers) -> None:
    dept_id, manager = sorted(managers.items())[0]
    meeting = CustomerMeeting.objects.create(
        department_id=dept_id,
        kind="order_fair",
        title=f"{timezone.localdate(now).year}年度订货会",
        held_on=timezone.localdate(now) - timedelta(days=40),
        location="公司展厅",
        created_by=manager,
    )
    invitees = list(meeting_invitees(meeting).values_list("pk", flat=True))
    MeetingInvitation.objects.bulk_create(
        [
            MeetingInvitation(meeting=meeting, customer_id=pk, attended=i % 4 != 3)
            for i, pk in enumerate(invitees)
        ]
    )
