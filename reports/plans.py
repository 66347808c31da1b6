"""Plan against actual (§11): the live figures and the lists behind them, from one queryset.

Every actual count is `.count()` of `actual_customers(...)`, and the drill-down list shows the
same queryset: the number on the plan and the length of its list cannot disagree.
"""

from datetime import date

from django.db.models import Count, Q, QuerySet

from crm.models import Role, User
from customers.models import Customer, CustomerStatus, CustomerTier, Grade

from .models import DevelopmentPlan, PlanDimension, PlanTarget


def department_customers(department_id: int) -> QuerySet[Customer]:
    """The department's customer structure: its active (正式) customers."""
    return Customer.objects.filter(
        department_id=department_id, is_deleted=False, status=CustomerStatus.ACTIVE
    )


def actual_customers(plan: DevelopmentPlan, dimension: str, key: str) -> QuerySet[Customer]:
    """The customers that count toward one target of the plan.

    New customers: active customers of the salesperson (owner) whose cooperation started in the
    plan's year (§11: new active customers count toward the salesperson who owns them).
    """
    qs = department_customers(plan.department_id)
    if dimension == PlanDimension.GRADE:
        return qs.filter(grade=key)
    if dimension == PlanDimension.TIER:
        return qs.filter(tier=key)
    if dimension == PlanDimension.INDUSTRY:
        return qs.filter(industry=key)
    if dimension == PlanDimension.REGION:
        return qs.filter(province=key)
    if dimension == PlanDimension.NEW_CUSTOMERS:
        return qs.filter(
            owner_id=int(key) if key.isdigit() else 0,
            cooperation_start__gte=date(plan.year, 1, 1),
            cooperation_start__lte=date(plan.year, 12, 31),
        )
    return qs.none()


FIELDS = {
    PlanDimension.GRADE: "grade",
    PlanDimension.TIER: "tier",
    PlanDimension.INDUSTRY: "industry",
    PlanDimension.REGION: "province",
}


def plan_vs_actual(plan: DevelopmentPlan) -> dict:
    """Each target with its actual count (and share of the active customers); a few grouped queries."""
    base = department_customers(plan.department_id)
    total = base.count()
    targets = list(plan.targets.all())
    counts: dict[tuple[str, str], int] = {}
    for dimension, field in FIELDS.items():
        if any(t.dimension == dimension for t in targets):
            for row in base.values(field).annotate(n=Count("id")).order_by():
                counts[(dimension, str(row[field]))] = row["n"]
    owners = [int(t.key) for t in targets if t.dimension == PlanDimension.NEW_CUSTOMERS and t.key.isdigit()]
    names = {}
    if owners:
        names = {u.pk: u.display_name for u in User.objects.filter(pk__in=owners)}
        new = (
            base.filter(owner_id__in=owners, cooperation_start__year=plan.year)
            .values("owner_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in new:
            counts[(PlanDimension.NEW_CUSTOMERS, str(row["owner_id"]))] = row["n"]
    tiers = dict(CustomerTier.choices)
    rows = []
    for t in targets:
        actual = counts.get((t.dimension, t.key), 0)
        share = round(100 * actual / total, 1) if total else 0.0
        if t.target_count is not None:
            target_label, done = (
                str(t.target_count),
                (round(100 * actual / t.target_count, 1) if t.target_count else None),
            )
        else:
            target_label, done = (
                f"{t.target_share}%",
                (round(100 * share / float(t.target_share), 1) if t.target_share else None),
            )
        label = t.key
        if t.dimension == PlanDimension.TIER:
            label = str(tiers.get(t.key, t.key))
        elif t.dimension == PlanDimension.NEW_CUSTOMERS:
            label = names.get(int(t.key), t.key) if t.key.isdigit() else t.key
        rows.append(
            {
                "target": t,
                "dimension": t.get_dimension_display(),
                "label": label,
                "target_label": target_label,
                "actual": actual,
                "share": share,
                "done": done,
                "is_share": t.target_share is not None,
            }
        )
    return {"plan": plan, "total": total, "rows": rows}


def plans_for(user: User, *, year: int) -> QuerySet[DevelopmentPlan]:
    return (
        visible_plans(user)
        .filter(year=year)
        .select_related("department", "set_by")
        .prefetch_related("targets")
    )


def target_get_for(user: User, pk: int) -> PlanTarget:
    """A target of a plan the user may see; 404 otherwise."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        PlanTarget.objects.select_related("plan__department"), pk=pk, plan__in=visible_plans(user)
    )


def visible_plans(user: User) -> QuerySet[DevelopmentPlan]:
    qs = DevelopmentPlan.objects.all()
    if user.sees_all_departments:
        return qs
    if (user.is_manager or user.is_assistant) and user.department_id:
        return qs.filter(department_id=user.department_id)
    return qs.none()


def plan_salespeople(department_id: int, plan: DevelopmentPlan | None = None) -> list[User]:
    """Whose new customers the plan may target: the department's active salespeople, and anyone
    the plan already names (a salesperson who left keeps the row until it is cleared)."""
    named = (
        [int(t.key) for t in plan.targets.all() if t.dimension == PlanDimension.NEW_CUSTOMERS] if plan else []
    )
    return list(
        User.objects.filter(
            Q(department_id=department_id, role=Role.SALESPERSON, is_active=True) | Q(pk__in=named)
        ).order_by("username")
    )


BLANK_ROWS = 3  # free rows for another industry or region


def plan_edit_rows(department_id: int, plan: DevelopmentPlan | None) -> list[dict]:
    """The rows of the plan's table, in the order of the screen: every grade, every tier, the
    industries and regions targeted (and a few blank rows), every salesperson; with the targets set."""
    targets = {(t.dimension, t.key): t for t in plan.targets.all()} if plan else {}

    def row(dimension, key, label):
        t = targets.get((dimension, key))
        return {
            "dimension": dimension,
            "key": key,
            "label": label,
            "target_count": t.target_count if t else None,
            "target_share": t.target_share if t else None,
        }

    rows = [row(PlanDimension.GRADE, g, g) for g in Grade.values]
    rows += [row(PlanDimension.TIER, t.value, str(t.label)) for t in CustomerTier]
    for dimension in (PlanDimension.INDUSTRY, PlanDimension.REGION):
        keys = sorted(k for d, k in targets if d == dimension)
        rows += [row(dimension, k, k) for k in keys] + [row(dimension, "", "") for _ in range(BLANK_ROWS)]
    rows += [
        row(PlanDimension.NEW_CUSTOMERS, str(u.pk), u.display_name)
        for u in plan_salespeople(department_id, plan)
    ]
    return rows


def department_industries(department_id: int) -> list[str]:
    """The industries of the department's customers: suggestions for an industry target."""
    return list(
        department_customers(department_id)
        .exclude(industry="")
        .order_by("industry")
        .values_list("industry", flat=True)
        .distinct()[:100]
    )
