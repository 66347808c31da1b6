"""The contact cadence (§9): what is due and overdue, the daily reminders, monthly compliance.

One computation (`cadence_items`) serves the job, the drill-down lists and the snapshots. It is
set-based: per cadence rule one query for the customers of its tier and one grouped MAX over
the contact log (index eng_contact_customer_idx), whatever the number of customers.
"""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import F, Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Role, User
from crm.services import company_language, notification_send
from customers.models import Customer, CustomerStatus

from ..models import (
    CadenceHow,
    CadenceReminder,
    CadenceReminderState,
    CadenceRule,
    CadenceWho,
    ComplianceSnapshot,
    ContactMode,
    ContactRecord,
    EngagementPolicy,
    TierChange,
)

LIST_IN_MESSAGE = 15


@dataclass
class CadenceItem:
    customer_id: int
    owner_id: int
    department_id: int
    rule: CadenceRule
    last_on: date | None
    due_on: date
    state: str  # "ok", "due", "overdue"

    def is_met(self) -> bool:
        return self.state != CadenceReminderState.OVERDUE


def cadence_customers() -> QuerySet[Customer]:
    """Customers the cadence applies to: in the archive, not stopped, not blacklisted."""
    return Customer.objects.filter(is_deleted=False, is_blacklisted=False).exclude(
        status=CustomerStatus.INACTIVE
    )


def _keeps(rule: CadenceRule) -> Q:
    """The contacts that keep `rule`: of a customer of its tier, by whom (relative to the
    customer) and how."""
    onsite = Q(mode=ContactMode.VISIT)
    head = Q(user__role=Role.MANAGER, user__department_id=F("customer__department_id"))
    if rule.who == CadenceWho.SALESPERSON:
        who = Q(user_id=F("customer__owner_id"))
        if rule.head_visit_counts:
            who |= head & onsite
    elif rule.who == CadenceWho.HEAD:
        who = head
    elif rule.who == CadenceWho.VICE_PRESIDENT:
        who = Q(user__is_vice_president=True)
    else:
        who = Q(user__role=Role.GM_OFFICE)
    keeps = Q(customer__tier=rule.tier) & who
    return keeps & onsite if rule.how == CadenceHow.ONSITE else keeps


def cadence_items(
    *, now: datetime, customers: QuerySet[Customer] | None = None, rules=None, ahead_days: int | None = None
) -> list[CadenceItem]:
    """Every (customer, rule) with its last qualifying contact, due date and state.

    Due date: the last qualifying contact (or, never contacted, the day the customer entered
    its tier, else the day it was archived) plus the rule's interval. Overdue from the day
    after: a 关键 customer called on day 0 is due on day 7 and overdue on day 8.

    Three queries whatever the number of rules and customers: the customers of the rules'
    tiers, when each entered its tier, and one pass over their contacts that takes, per rule,
    the latest contact keeping it (MAX … FILTER).
    """
    today = timezone.localdate(now)
    if ahead_days is None:
        ahead_days = EngagementPolicy.load().due_ahead_days
    if rules is None:
        rules = list(CadenceRule.objects.filter(is_active=True))
    if not rules:
        return []
    tiers = {r.tier for r in rules}
    base = (customers if customers is not None else cadence_customers()).filter(tier__in=tiers)
    by_tier: dict[str, list] = {}
    for row in base.values_list("pk", "tier", "owner_id", "department_id", "created_at"):
        by_tier.setdefault(row[1], []).append(row)
    if not by_tier:
        return []
    entered = dict(
        TierChange.objects.filter(customer__in=base, to_tier=F("customer__tier"))
        .values("customer_id")
        .annotate(at=Max("changed_at"))
        .values_list("customer_id", "at")
    )
    columns = {f"r{rule.pk}": Max("contacted_at", filter=_keeps(rule)) for rule in rules}
    last: dict[int, tuple] = {
        row[0]: row[1:]
        for row in ContactRecord.objects.filter(customer__in=base)
        .values("customer_id")
        .annotate(**columns)
        .values_list("customer_id", *columns)
    }
    none = (None,) * len(rules)
    local_dates: dict = {}

    def local(at):
        # Many contacts share a timestamp's date; localdate per distinct value only.
        if at not in local_dates:
            local_dates[at] = timezone.localdate(at)
        return local_dates[at]

    ahead = timedelta(days=ahead_days)
    items: list[CadenceItem] = []
    for n, rule in enumerate(rules):
        interval = timedelta(days=rule.interval_days)
        for pk, _tier, owner_id, department_id, created_at in by_tier.get(rule.tier, ()):
            at = last.get(pk, none)[n]
            last_on = local(at) if at else None
            due_on = (last_on or local(entered.get(pk) or created_at)) + interval
            if today > due_on:
                state = CadenceReminderState.OVERDUE
            elif today >= due_on - ahead:
                state = CadenceReminderState.DUE
            else:
                state = "ok"
            items.append(CadenceItem(pk, owner_id, department_id, rule, last_on, due_on, state))
    return items


def _responsible(items: list[CadenceItem]) -> dict[int, list[int]]:
    """Item index → the people who owe the contact: the owner, the department's managers, the
    vice-presidents in charge, or 总经办."""
    dept_ids = {i.department_id for i in items}
    heads: dict[int, list[int]] = {}
    for pk, dept in User.objects.filter(
        role=Role.MANAGER, is_active=True, department_id__in=dept_ids
    ).values_list("pk", "department_id"):
        heads.setdefault(dept, []).append(pk)
    vps = list(User.objects.filter(is_vice_president=True, is_active=True).values_list("pk", flat=True))
    gms = list(User.objects.filter(role=Role.GM_OFFICE, is_active=True).values_list("pk", flat=True))
    out = {}
    for n, item in enumerate(items):
        who = item.rule.who
        out[n] = (
            [item.owner_id]
            if who == CadenceWho.SALESPERSON
            else heads.get(item.department_id, [])
            if who == CadenceWho.HEAD
            else vps
            if who == CadenceWho.VICE_PRESIDENT
            else gms
        )
    return out


def cadence_reminders_send(*, now: datetime | None = None, since: datetime | None = None) -> dict:
    """The daily contact-cadence job: remind each person of what became due or overdue.

    One CadenceReminder per customer, rule, period (due date) and state
    (engagement_cadencereminder_once_per_period): a rerun or a late run after downtime finds
    them recorded and sends nothing twice; a late run reminds of the state as of now (what went
    overdue while the job was down is reminded as overdue once). Each person gets at most one
    message per state per run, listing their customers (kinds engagement_cadence_due and
    engagement_cadence_overdue, for the daily digest). Also writes this month's snapshot.
    """
    now = now or timezone.now()
    items = cadence_items(now=now)
    pending = [i for i in items if i.state != "ok"]
    with transaction.atomic():
        existing = set()
        if pending:
            existing = set(
                CadenceReminder.objects.filter(
                    due_on__gte=min(i.due_on for i in pending),
                    rule_id__in={i.rule.pk for i in pending},
                ).values_list("customer_id", "rule_id", "due_on", "state")
            )
        new = [i for i in pending if (i.customer_id, i.rule.pk, i.due_on, i.state) not in existing]
        CadenceReminder.objects.bulk_create(
            [
                CadenceReminder(
                    customer_id=i.customer_id, rule=i.rule, due_on=i.due_on, state=i.state, created_at=now
                )
                for i in new
            ],
            batch_size=2000,
            ignore_conflicts=True,
        )
        sent = _notify(new, now=now)
        snapshot_rows = compliance_snapshot_write(items, now=now)
    return {
        "checked": len(items),
        "due": sum(i.state == "due" for i in items),
        "overdue": sum(i.state == "overdue" for i in items),
        "new_reminders": len(new),
        "notifications": sent,
        "snapshot_rows": snapshot_rows,
    }


def _notify(new: list[CadenceItem], *, now: datetime) -> int:
    if not new:
        return 0
    people = _responsible(new)
    per: dict[tuple[int, str], list[CadenceItem]] = {}
    for n, item in enumerate(new):
        for user_id in people[n]:
            per.setdefault((user_id, item.state), []).append(item)
    names = dict(Customer.objects.filter(pk__in={i.customer_id for i in new}).values_list("pk", "short_name"))
    full = dict(Customer.objects.filter(pk__in={i.customer_id for i in new}).values_list("pk", "name"))
    users = User.objects.in_bulk({u for u, _s in per})
    today = timezone.localdate(now)
    sent = 0
    with company_language():
        for (user_id, state), rows in sorted(per.items()):
            user = users.get(user_id)
            if user is None:
                continue
            rows.sort(key=lambda i: (i.due_on, i.customer_id))
            customers = list(dict.fromkeys(i.customer_id for i in rows))
            title = (
                _("Contacts overdue: %(count)d customers")
                if state == CadenceReminderState.OVERDUE
                else _("Contacts due soon: %(count)d customers")
            ) % {"count": len(customers)}
            due_word = _("due on")
            lines = [
                f"{names.get(i.customer_id) or full.get(i.customer_id)} · {i.rule.get_who_display()} · "
                f"{i.rule.get_how_display()} · {due_word} {i.due_on:%Y-%m-%d}"
                for i in rows[:LIST_IN_MESSAGE]
            ]
            if len(rows) > LIST_IN_MESSAGE:
                lines.append(_("… and %(count)d more") % {"count": len(rows) - LIST_IN_MESSAGE})
            digest = hashlib.sha256(
                ",".join(f"{i.customer_id}-{i.rule.pk}-{i.due_on}" for i in rows).encode()
            ).hexdigest()[:12]
            sent += len(
                notification_send(
                    recipients=[user],
                    kind=f"engagement_cadence_{state}",
                    title=title,
                    body="\n".join(lines),
                    url=reverse("engagement:cadence") + f"?state={state}",
                    dedup_key=f"engagement-cadence-{state}:{today:%Y-%m-%d}:{digest}",
                )
            )
    return sent


def compliance_snapshot_write(items: list[CadenceItem], *, now: datetime) -> int:
    """This month's compliance (kept / owed, as of this run) by department, tier and role, and
    per salesperson for the salesperson rules; replaces the month's rows (idempotent)."""
    month = timezone.localdate(now).replace(day=1)
    dept: dict[tuple, list[int]] = {}
    person: dict[tuple, list[int]] = {}
    for i in items:
        key = (i.department_id, i.rule.tier, i.rule.who)
        counts = dept.setdefault(key, [0, 0])
        counts[0] += 1
        counts[1] += i.is_met()
        if i.rule.who == CadenceWho.SALESPERSON:
            counts = person.setdefault((*key, i.owner_id), [0, 0])
            counts[0] += 1
            counts[1] += i.is_met()
    rows = [
        ComplianceSnapshot(month=month, department_id=d, tier=t, who=w, obligations=o, met=m, computed_at=now)
        for (d, t, w), (o, m) in dept.items()
    ]
    rows += [
        ComplianceSnapshot(
            month=month, department_id=d, user_id=u, tier=t, who=w, obligations=o, met=m, computed_at=now
        )
        for (d, t, w, u), (o, m) in person.items()
    ]
    ComplianceSnapshot.objects.filter(month=month).delete()
    ComplianceSnapshot.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
