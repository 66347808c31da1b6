"""The yearly figures of §2 computed from the sales records (§13), into customers.YearlyFigure.

- business volume: the value delivered in the year;
- receivables outstanding: issued by 31 December, less what payments received by then paid;
- overdue payments: receivables due in the year not settled by their due date (settled later,
  or still open after it);
- overdue pickups: deliveries whose agreed pickup date falls in the year, picked up later or
  still not picked up after it.
Only years from the customer's first record on are computed (source "computed"); earlier years
keep their typed figures (source "manual", 手工录入). Evaluations copy the figures they used, so
a later correction changes nothing already evaluated or approved. Set-based: seven queries and
one upsert per year, whatever the number of customers.
"""

from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, F, Min, Q, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone

from customers.models import FigureSource, YearlyFigure

from ..models import Delivery, Payment, PaymentAllocation, Receivable


def _first_years() -> dict[int, int]:
    first: dict[int, int] = {}
    for model, field in ((Delivery, "delivered_on"), (Receivable, "issued_on"), (Payment, "received_on")):
        for cid, year in (
            model.objects.values("customer_id")
            .annotate(y=ExtractYear(Min(field)))
            .values_list("customer_id", "y")
        ):
            first[cid] = min(year, first.get(cid, year))
    return first


def yearly_figures_compute(*, year: int, today: date) -> dict[int, dict]:
    """The figures of `year` per customer id, for customers whose records start by then."""
    year_end = date(year, 12, 31)
    customers = [cid for cid, first in _first_years().items() if first <= year]
    figures = {
        cid: {
            "business_volume": Decimal(0),
            "receivables": Decimal(0),
            "overdue_payment_count": 0,
            "overdue_pickup_count": 0,
        }
        for cid in customers
    }

    def put(rows, key):
        for cid, value in rows:
            if cid in figures and value is not None:
                figures[cid][key] = value

    put(
        Delivery.objects.filter(delivered_on__year=year)
        .values("customer_id")
        .annotate(v=Sum("value"))
        .values_list("customer_id", "v"),
        "business_volume",
    )
    issued = dict(
        Receivable.objects.filter(issued_on__lte=year_end)
        .values("customer_id")
        .annotate(v=Sum("amount"))
        .values_list("customer_id", "v")
    )
    paid = dict(
        PaymentAllocation.objects.filter(
            receivable__issued_on__lte=year_end, payment__received_on__lte=year_end
        )
        .values("receivable__customer_id")
        .annotate(v=Sum("amount"))
        .values_list("receivable__customer_id", "v")
    )
    put(((cid, v - paid.get(cid, 0)) for cid, v in issued.items()), "receivables")
    put(
        Receivable.objects.filter(due_on__year=year)
        .filter(Q(settled_on__gt=F("due_on")) | Q(settled_on__isnull=True, due_on__lt=today))
        .values("customer_id")
        .annotate(n=Count("pk"))
        .values_list("customer_id", "n"),
        "overdue_payment_count",
    )
    put(
        Delivery.objects.filter(pickup_due_on__year=year)
        .filter(
            Q(picked_up_on__gt=F("pickup_due_on")) | Q(picked_up_on__isnull=True, pickup_due_on__lt=today)
        )
        .values("customer_id")
        .annotate(n=Count("pk"))
        .values_list("customer_id", "n"),
        "overdue_pickup_count",
    )
    return figures


def yearly_figures_recompute(*, year: int, now: datetime) -> int:
    """Write the computed figures of `year` (upsert per customer and year); returns how many rows."""
    figures = yearly_figures_compute(year=year, today=timezone.localdate(now))
    rows = [
        YearlyFigure(customer_id=cid, year=year, source=FigureSource.COMPUTED, updated_at=now, **values)
        for cid, values in figures.items()
    ]
    YearlyFigure.objects.bulk_create(
        rows,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["customer", "year"],
        update_fields=[
            "business_volume",
            "receivables",
            "overdue_payment_count",
            "overdue_pickup_count",
            "source",
            "updated_at",
        ],
    )
    return len(rows)


def yearly_figures_job(*, now: datetime, since: datetime | None = None) -> dict:
    """The nightly job: this year's figures so far and last year's (corrections arrive late)."""
    year = timezone.localdate(now).year
    return {str(y): yearly_figures_recompute(year=y, now=now) for y in (year - 1, year)}
