"""Demo data for §13: a year and a half of deliveries, receivables and payments (some paid late,
some still overdue, some goods not picked up), agreements (in effect, one awaiting the manager),
then the yearly figures computed from them. Idempotent: skipped once the demo records exist.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from crm.models import Role
from customers.models import Customer, CustomerStatus

from .models import Agreement, Delivery
from .services import agreement_create, agreement_submit, records_upsert, yearly_figures_recompute

GOODS = ["冷轧钢板", "不锈钢管", "轴承组件", "液压阀", "电机外壳", "铝型材", "紧固件", "齿轮箱"]


def seed(*, now) -> str:
    if Delivery.objects.filter(erp_number__startswith="FH-DEMO-").exists():
        return "sales already present"
    customers = list(
        Customer.objects.filter(status=CustomerStatus.ACTIVE, is_deleted=False, is_blacklisted=False)
        .select_related("owner")
        .order_by("id")[:60]
    )
    if not customers:
        return "skipped: demo customers missing"
    rng = random.Random(13)  # noqa: S311 - demo data
    today = timezone.localdate(now)
    start = date(today.year - 1, today.month, 1) - timedelta(days=183)  # ~18 months back
    deliveries, receivables, payments = [], [], []
    for c in customers:
        size = rng.choice([20_000, 60_000, 150_000, 300_000])
        months = (today.year - start.year) * 12 + today.month - start.month
        for m in range(months + 1):
            if rng.random() < 0.35:
                continue
            day = date(
                start.year + (start.month - 1 + m) // 12, (start.month - 1 + m) % 12 + 1, rng.randint(1, 25)
            )
            if day > today:
                continue
            n = f"DEMO-{c.pk}-{m:02d}"
            value = Decimal(int(size * rng.uniform(0.4, 1.6)))
            pickup_due = day + timedelta(days=10)
            late_pickup = rng.random() < 0.08
            picked = (
                None
                if (late_pickup and pickup_due < today)
                else (
                    pickup_due + timedelta(days=rng.randint(1, 20))
                    if late_pickup
                    else day + timedelta(days=rng.randint(1, 9))
                )
            )
            if picked and picked > today:
                picked = None
            deliveries.append(
                {
                    "erp_number": f"FH-{n}",
                    "credit_code": c.credit_code,
                    "delivered_on": day,
                    "value": value,
                    "goods": rng.choice(GOODS),
                    "pickup_due_on": pickup_due,
                    "picked_up_on": picked,
                }
            )
            due = day + timedelta(days=rng.choice([30, 45, 60]))
            receivables.append(
                {
                    "erp_number": f"YS-{n}",
                    "credit_code": c.credit_code,
                    "issued_on": day,
                    "due_on": due,
                    "amount": value,
                    "delivery_number": f"FH-{n}",
                }
            )
            r = rng.random()
            if r < 0.75:
                paid_on = due - timedelta(days=rng.randint(0, 15))
            elif r < 0.9:
                paid_on = due + timedelta(days=rng.randint(3, 40))  # paid late
            else:
                paid_on = None  # still open: overdue once the due date passes
            if paid_on and paid_on <= today:
                partial = rng.random() < 0.1
                payments.append(
                    {
                        "erp_number": f"SK-{n}",
                        "credit_code": c.credit_code,
                        "received_on": paid_on,
                        "amount": (value / 2).quantize(Decimal("0.01")) if partial else value,
                        "applies_to": f"YS-{n}",
                        "note": "",
                    }
                )
    with transaction.atomic():
        records_upsert(source="deliveries", rows=deliveries, via="demo", now=now)
        records_upsert(source="receivables", rows=receivables, via="demo", now=now)
        records_upsert(source="payments", rows=payments, via="demo", now=now)
        agreements = _agreements(customers[:8], rng, now=now, today=today)
        for year in (today.year - 1, today.year):
            yearly_figures_recompute(year=year, now=now)
    return f"{len(deliveries)} deliveries, {len(receivables)} receivables, {len(payments)} payments, {agreements} agreements"


def _agreements(customers, rng, *, now, today) -> int:
    made = 0
    for i, c in enumerate(customers):
        author = c.owner if c.owner and c.owner.role == Role.SALESPERSON else None
        if author is None or Agreement.objects.filter(customer=c).exists():
            continue
        amounts = [Decimal(60_000), Decimal(80_000)] if i % 2 else [Decimal(45_000)]
        for j, amount in enumerate(amounts):
            signed = today - timedelta(days=rng.randint(20, 300))
            a = agreement_create(
                actor=author,
                customer_id=c.pk,
                number=f"XS-{today.year}-{c.pk:04d}-{j + 1}",
                amount=amount,
                signed_on=signed,
                valid_from=signed,
                valid_until=signed + timedelta(days=365),
                delivery_terms="买方自提，发货后10日内提货",
                now=now,
                instalments=[
                    (signed + timedelta(days=60), amount / 2),
                    (signed + timedelta(days=120), amount / 2),
                ],
            )
            agreement_submit(
                agreement_id=a.pk, actor=author, now=now
            )  # the second crosses 100,000: awaits approval
            made += 1
    return made
