"""Reads of the engagement screens, scoped to the viewer (customers.selectors.customer_list_for)."""

from datetime import date, datetime

from django.db.models import QuerySet, Sum
from django.utils import timezone

from crm.models import Department
from customers.models import KEY_ACCOUNT_TIERS, Customer, CustomerTier
from customers.selectors import customer_list_for

from .models import CadenceRule, CadenceWho, ComplianceSnapshot, ContactRecord, CustomerMeeting
from .services.cadence import cadence_customers, cadence_items

MONTHS = 12
DRILL_ROWS = 200


def timeline_for(customer: Customer, *, limit: int = 20) -> QuerySet[ContactRecord]:
    """The customer's contacts and visits, newest first (one query)."""
    return ContactRecord.objects.filter(customer=customer).select_related("user", "contact")[:limit]


def rules_for(user) -> list[CadenceRule]:
    """The cadence rules whose contacts this user owes or oversees: a salesperson their own
    (salesperson in charge); managers, 总经办 and the administrator all."""
    qs = CadenceRule.objects.filter(is_active=True)
    if user.is_salesperson:
        qs = qs.filter(who=CadenceWho.SALESPERSON)
    return list(qs)


def cadence_rows(
    user,
    *,
    now: datetime,
    state: str = "overdue",
    tier: str = "",
    who: str = "",
    department_id: int | None = None,
    person_id: int | None = None,
) -> list[dict]:
    """The drill-down list: the customers the user may see whose contact is `state` (due,
    overdue, or "" for both), with the rule, last contact and days overdue; at most DRILL_ROWS."""
    customers = customer_list_for(user) & cadence_customers()
    if tier:
        customers = customers.filter(tier=tier)
    if department_id:
        customers = customers.filter(department_id=department_id)
    if person_id:
        customers = customers.filter(owner_id=person_id)
    rules = [r for r in rules_for(user) if (not who or r.who == who) and (not tier or r.tier == tier)]
    items = [
        i
        for i in cadence_items(now=now, customers=customers, rules=rules)
        if (i.state == state if state else i.state != "ok")
    ]
    items.sort(key=lambda i: (i.due_on, i.customer_id))
    items = items[:DRILL_ROWS]
    by_pk = Customer.objects.select_related("owner", "department").in_bulk({i.customer_id for i in items})
    today = timezone.localdate(now)
    return [
        {
            "customer": by_pk[i.customer_id],
            "rule": i.rule,
            "last_on": i.last_on,
            "due_on": i.due_on,
            "state": i.state,
            "days_overdue": max((today - i.due_on).days, 0),
        }
        for i in items
        if i.customer_id in by_pk
    ]


def _snapshot_scope(user) -> QuerySet[ComplianceSnapshot]:
    qs = ComplianceSnapshot.objects.all()
    if user.sees_all_departments:
        return qs
    if user.is_manager and user.department_id:
        return qs.filter(department_id=user.department_id)
    return qs.none()


def _rate(met: int, owed: int) -> int | None:
    return round(100 * met / owed) if owed else None


def compliance_summary(user, *, now: datetime) -> dict:
    """Compliance by tier and role (this month, 12 months), by department, and per salesperson,
    from the monthly snapshots of the cadence job (two aggregate queries)."""
    month = timezone.localdate(now).replace(day=1)
    first = date(month.year - 1 + (month.month // 12), month.month % 12 + 1, 1)  # 12 months incl. this one
    qs = _snapshot_scope(user).filter(month__gte=first, month__lte=month)
    grouped = list(
        qs.filter(user__isnull=True)
        .values("month", "department_id", "department__name", "tier", "who")
        .annotate(o=Sum("obligations"), m=Sum("met"))
    )
    by_rule: dict[tuple, list[int]] = {}
    by_dept: dict[int, dict] = {}
    for r in grouped:
        row = by_rule.setdefault((r["tier"], r["who"]), [0, 0, 0, 0])
        dept = by_dept.setdefault(r["department_id"], {"name": r["department__name"], "c": [0, 0, 0, 0]})
        for target in (row, dept["c"]):
            target[2] += r["o"]
            target[3] += r["m"]
            if r["month"] == month:
                target[0] += r["o"]
                target[1] += r["m"]
    people = list(
        qs.filter(user__isnull=False, month=month)
        .values("user_id", "user__full_name", "user__username")
        .annotate(o=Sum("obligations"), m=Sum("met"))
        .order_by("user__full_name")
    )
    labels_tier = dict(CustomerTier.choices)
    labels_who = dict(CadenceWho.choices)
    return {
        "month": month,
        "rules": [
            {
                "tier": t,
                "who": w,
                "tier_label": labels_tier.get(t, t),
                "who_label": labels_who.get(w, w),
                "owed": c[0],
                "rate": _rate(c[1], c[0]),
                "rate_12": _rate(c[3], c[2]),
            }
            for (t, w), c in sorted(
                by_rule.items(), key=lambda kv: (list(labels_tier).index(kv[0][0]), kv[0][1])
            )
        ],
        "departments": [
            {
                "id": pk,
                "name": d["name"],
                "rate": _rate(d["c"][1], d["c"][0]),
                "rate_12": _rate(d["c"][3], d["c"][2]),
            }
            for pk, d in sorted(by_dept.items())
        ],
        "people": [
            {
                "id": p["user_id"],
                "name": p["user__full_name"] or p["user__username"],
                "owed": p["o"],
                "rate": _rate(p["m"], p["o"]),
            }
            for p in people
        ],
    }


def key_accounts_without_manager(user) -> QuerySet[Customer]:
    """专员专管: the 战略/关键 customers the user may see that have no account manager yet."""
    return (
        customer_list_for(user)
        .filter(tier__in=KEY_ACCOUNT_TIERS, account_manager__isnull=True)
        .select_related("owner", "department")
        .order_by("department_id", "name")
    )


def departments_without_meeting(user, *, year: int) -> list[Department]:
    """Sales departments (the viewer's, or all for 总经办) without a customer meeting this year."""
    qs = Department.objects.filter(is_head_office=False)
    if not user.sees_all_departments:
        qs = qs.filter(pk=user.department_id)
    held = CustomerMeeting.objects.filter(held_on__year=year).values("department_id")
    return list(qs.exclude(pk__in=held).order_by("name"))


def meetings_for(user) -> QuerySet[CustomerMeeting]:
    qs = CustomerMeeting.objects.select_related("department")
    if user.sees_all_departments:
        return qs
    return qs.filter(department_id=user.department_id)
