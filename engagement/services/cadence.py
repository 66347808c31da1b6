"""The contact cadence (§9): what is due and overdue, the daily reminders, monthly compliance.

One computation serves the job, the drill-down lists and the snapshots, set-based and in the
database: one pass over the contact log grouped by customer gives, per rule, the day of the
last contact keeping it (MAX … FILTER, as a day number in the company's time zone); the due day
is that (else the day the customer entered its tier or was archived) plus the interval, and
Python only adds and compares day numbers. The job inserts the reminders of what is due or overdue through a temporary table
(crm.db.copy_insert_new: COPY on PostgreSQL) and the database says which are new.
"""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from django.db import connection, transaction
from django.db.models import F, Max, Q, QuerySet
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.db import EpochDays, copy_insert_new, jit_off
from crm.models import Role, User
from crm.services import company_language, notification_bulk_send_values
from customers.models import Customer, CustomerStatus

from ..models import (
    CadenceHow,
    CadenceReminder,
    CadenceReminderState,
    CadenceRule,
    CadenceWho,
    ComplianceSnapshot,
    ContactMode,
    EngagementPolicy,
    TierChange,
)

LIST_IN_MESSAGE = 15
EPOCH = date(1970, 1, 1)


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
    """The contacts (customer → contact_records) that keep `rule`: of a customer of its tier, by
    whom relative to the customer (the owner, the department's head, a vice-president, 总经办)
    and how."""
    onsite = Q(contact_records__mode=ContactMode.VISIT)
    head = Q(
        contact_records__user__role=Role.MANAGER, contact_records__user__department_id=F("department_id")
    )
    if rule.who == CadenceWho.SALESPERSON:
        who = Q(contact_records__user_id=F("owner_id"))
        if rule.head_visit_counts:
            who |= head & onsite
    elif rule.who == CadenceWho.HEAD:
        who = head
    elif rule.who == CadenceWho.VICE_PRESIDENT:
        who = Q(contact_records__user__is_vice_president=True)
    else:
        who = Q(contact_records__user__role=Role.GM_OFFICE)
    keeps = Q(tier=rule.tier) & who
    return keeps & onsite if rule.how == CadenceHow.ONSITE else keeps


def _day(at) -> EpochDays:
    """The local (company time zone) day of a datetime expression, as a day number."""
    return EpochDays(TruncDate(at))


def _rows(rules: list[CadenceRule], customers: QuerySet[Customer]) -> Iterator[tuple]:
    """(rule, customer id, owner id, department id, due day, last contact day or None) for every
    rule and customer of its tier, day numbers counted from 1970-01-01. Two queries whatever the
    number of rules and customers: when each customer entered its tier, and one pass over the
    customers' contacts grouped by customer that takes, per rule, the day of the latest contact
    keeping it (MAX … FILTER)."""
    if not rules:
        return
    base = customers.filter(tier__in={r.tier for r in rules})
    entered = dict(
        TierChange.objects.filter(customer__in=base, to_tier=F("customer__tier"))
        .values("customer_id")
        .annotate(day=_day(Max("changed_at")))
        .values_list("customer_id", "day")
    )
    columns = {
        f"cadence_r{n}": _day(Max("contact_records__contacted_at", filter=_keeps(r)))
        for n, r in enumerate(rules)
    }
    # MAX(created_at) is the customer's own created_at (one per group): an aggregate, so that
    # the database need not group by the expression.
    rows = (
        base.annotate(cadence_created=_day(Max("created_at")), **columns)
        .values_list("pk", "tier", "owner_id", "department_id", "cadence_created", *columns)
        .order_by()
    )
    by_tier: dict[str, list[tuple[int, CadenceRule]]] = {}
    for n, rule in enumerate(rules):
        by_tier.setdefault(rule.tier, []).append((n, rule))
    # Read on a plain cursor: every value is already an int (or NULL), and Django's per-value
    # converters cost ~1 s over 85,000 rows × 11 columns. Not a server-side cursor (.iterator()):
    # PostgreSQL plans those for their first rows, without the parallel workers that halve it.
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    for pk, tier, owner, dept, created, *lasts in fetched:
        start = entered.get(pk, created)
        for n, rule in by_tier[tier]:
            last = lasts[n]
            yield rule, pk, owner, dept, (start if last is None else last) + rule.interval_days, last


def _state(due: int, today: int, ahead: int) -> str:
    """Overdue from the day after the due day: a 关键 customer called on day 0 is due on day 7
    (and `ahead` days before) and overdue on day 8."""
    if today > due:
        return CadenceReminderState.OVERDUE
    if today >= due - ahead:
        return CadenceReminderState.DUE
    return "ok"


@lru_cache(maxsize=4096)
def _as_date(day: int | None) -> date | None:
    # Memoised: the job turns ~170,000 day numbers, of a few thousand distinct days, into dates.
    return None if day is None else EPOCH + timedelta(days=day)


def _context(now, customers, rules, ahead_days):
    if ahead_days is None:
        ahead_days = EngagementPolicy.load().due_ahead_days
    if rules is None:
        rules = list(CadenceRule.objects.filter(is_active=True))
    base = customers if customers is not None else cadence_customers()
    return (timezone.localdate(now) - EPOCH).days, rules, base, ahead_days


def cadence_items(
    *, now: datetime, customers: QuerySet[Customer] | None = None, rules=None, ahead_days: int | None = None
) -> list[CadenceItem]:
    """Every (customer, rule) with its last qualifying contact, due date and state.

    Due date: the last qualifying contact (or, never contacted, the day the customer entered
    its tier, else the day it was archived) plus the rule's interval. Overdue from the day
    after: a 关键 customer called on day 0 is due on day 7 and overdue on day 8. One query,
    whatever the number of rules and customers (see the module docstring).
    """
    today, rules, base, ahead = _context(now, customers, rules, ahead_days)
    return [
        CadenceItem(pk, owner, dept, rule, _as_date(last), _as_date(due), _state(due, today, ahead))
        for rule, pk, owner, dept, due, last in _rows(rules, base)
    ]


def _job_pass(*, now: datetime) -> tuple[list[CadenceItem], dict[tuple, list[int]], dict]:
    """The job's one pass: the due and overdue items (the only ones made objects), the
    compliance counts {(department, tier, who, owner or None): [owed, kept]} and the totals."""
    today, rules, base, ahead = _context(now, None, None, None)
    pending: list[CadenceItem] = []
    counts: dict[tuple, list[int]] = {}
    totals = {"checked": 0, "due": 0, "overdue": 0}
    overdue = CadenceReminderState.OVERDUE
    # ~170,000 (customer, rule) pairs at company scale: the loop body is kept to dict lookups.
    for rule, pk, owner, dept, due, last in _rows(rules, base):
        state = _state(due, today, ahead)
        kept = state != overdue
        key = (dept, rule.tier, rule.who, None)
        c = counts.get(key) or counts.setdefault(key, [0, 0])
        c[0] += 1
        c[1] += kept
        if rule.who == CadenceWho.SALESPERSON:
            key = (dept, rule.tier, rule.who, owner)
            c = counts.get(key) or counts.setdefault(key, [0, 0])
            c[0] += 1
            c[1] += kept
        if state != "ok":
            totals[state] += 1
            pending.append(CadenceItem(pk, owner, dept, rule, _as_date(last), _as_date(due), state))
        totals["checked"] += 1
    return pending, counts, totals


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
    with transaction.atomic():
        jit_off()
        pending, counts, totals = _job_pass(now=now)
        by_key = {(i.customer_id, i.rule.pk, i.due_on, i.state): i for i in pending}
        inserted = copy_insert_new(
            CadenceReminder._meta.db_table,
            ["customer_id", "rule_id", "due_on", "state", "created_at"],
            ((*key, now) for key in by_key),
            returning=["customer_id", "rule_id", "due_on", "state"],
        )
        new = [
            by_key[(c, r, d if isinstance(d, date) else date.fromisoformat(d), s)] for c, r, d, s in inserted
        ]
        sent = _notify(new, now=now)
        snapshot_rows = compliance_snapshot_write(counts, now=now)
    return {
        **totals,
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
    for rows in per.values():
        rows.sort(key=lambda i: (i.due_on, i.customer_id))
    # Only the customers a message lists by name are read (LIST_IN_MESSAGE per message).
    listed = {i.customer_id for rows in per.values() for i in rows[:LIST_IN_MESSAGE]}
    names = {
        pk: short or name
        for pk, short, name in Customer.objects.filter(pk__in=listed).values_list("pk", "short_name", "name")
    }
    users = User.objects.in_bulk({u for u, _s in per})
    today = timezone.localdate(now)
    # One insert for every message of the run (NOTIFICATION_VALUES tuples), not one per person.
    messages: list[tuple] = []
    with company_language():
        for (user_id, state), rows in sorted(per.items()):
            user = users.get(user_id)
            if user is None or not user.is_active:
                continue
            customers = list(dict.fromkeys(i.customer_id for i in rows))
            title = (
                _("Contacts overdue: %(count)d customers")
                if state == CadenceReminderState.OVERDUE
                else _("Contacts due soon: %(count)d customers")
            ) % {"count": len(customers)}
            due_word = _("due on")
            lines = [
                f"{names.get(i.customer_id)} · {i.rule.get_who_display()} · "
                f"{i.rule.get_how_display()} · {due_word} {i.due_on:%Y-%m-%d}"
                for i in rows[:LIST_IN_MESSAGE]
            ]
            if len(rows) > LIST_IN_MESSAGE:
                lines.append(_("… and %(count)d more") % {"count": len(rows) - LIST_IN_MESSAGE})
            digest = hashlib.sha256(
                ",".join(f"{i.customer_id}-{i.rule.id}-{i.due_on.toordinal()}" for i in rows).encode()
            ).hexdigest()[:12]
            messages.append(
                (
                    user_id,
                    f"engagement_cadence_{state}",
                    title[:200],
                    "\n".join(lines),
                    reverse("engagement:cadence") + f"?state={state}",
                    f"engagement-cadence-{state}:{today:%Y-%m-%d}:{digest}",
                )
            )
    sent = notification_bulk_send_values(values=messages)
    return sent


def compliance_snapshot_write(counts: dict[tuple, list[int]], *, now: datetime) -> int:
    """This month's compliance (kept / owed, as of this run) by department, tier and role, and
    per salesperson for the salesperson rules; replaces the month's rows (idempotent).

    `counts`: {(department id, tier, who, person id or None): [owed, kept]}, as the job's pass
    counts them."""
    month = timezone.localdate(now).replace(day=1)
    rows = [
        ComplianceSnapshot(
            month=month, department_id=d, user_id=u, tier=t, who=w, obligations=o, met=m, computed_at=now
        )
        for (d, t, w, u), (o, m) in counts.items()
    ]
    ComplianceSnapshot.objects.filter(month=month).delete()
    ComplianceSnapshot.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
