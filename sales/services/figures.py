"""The yearly figures of §2 computed from the sales records (§13), into customers.YearlyFigure.

- business volume: the value delivered in the year;
- receivables outstanding: issued by 31 December, less what payments received by then paid;
- overdue payments: receivables due in the year not settled by their due date (settled later,
  or still open after it);
- overdue pickups: deliveries whose agreed pickup date falls in the year, picked up later or
  still not picked up after it.
Only years from the customer's first record on are computed (source "computed"); earlier years
keep their typed figures (source "manual", 手工录入). Evaluations copy the figures they used, so
a later correction changes nothing already evaluated or approved. Set-based: six queries and
one upsert statement (crm.db.copy_upsert) per year, whatever the number of customers.
"""

from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.utils import timezone

from crm.db import copy_upsert, jit_off
from customers.models import Customer, FigureSource, YearlyFigure

from ..models import Delivery, Payment, PaymentAllocation, Receivable

FIGURES = ("business_volume", "receivables", "overdue_payment_count", "overdue_pickup_count")


def _customers_by(year_end: date) -> list[int]:
    """The customers with a sales record dated by `year_end` (their records start by then):
    one probe per customer into each ledger's (customer, date) index."""
    return list(
        Customer.objects.filter(
            Exists(Delivery.objects.filter(customer_id=OuterRef("pk"), delivered_on__lte=year_end))
            | Exists(Receivable.objects.filter(customer_id=OuterRef("pk"), issued_on__lte=year_end))
            | Exists(Payment.objects.filter(customer_id=OuterRef("pk"), received_on__lte=year_end))
        ).values_list("pk", flat=True)
    )


def yearly_figures_compute(*, year: int, today: date) -> dict[int, dict]:
    """The figures of `year` per customer id, for customers whose records start by then."""
    year_end = date(year, 12, 31)
    figures = {
        cid: {
            "business_volume": Decimal(0),
            "receivables": Decimal(0),
            "overdue_payment_count": 0,
            "overdue_pickup_count": 0,
        }
        for cid in _customers_by(year_end)
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
    # Outstanding on 31 December: a receivable settled by then is paid in full (every payment
    # applied to it came by its settlement date), so only those still open then count: their
    # amount less what payments received by then paid of it.
    open_then = Q(issued_on__lte=year_end) & (Q(settled_on__isnull=True) | Q(settled_on__gt=year_end))
    issued = dict(
        Receivable.objects.filter(open_then)
        .values("customer_id")
        .annotate(v=Sum("amount"))
        .values_list("customer_id", "v")
    )
    paid = dict(
        PaymentAllocation.objects.filter(
            receivable__in=Receivable.objects.filter(open_then), payment__received_on__lte=year_end
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
    """Write the computed figures of `year` (upsert per customer and year, in one statement);
    a row whose figures did not change is left as it is. Returns how many rows were written."""
    with transaction.atomic():
        jit_off()  # grouped queries over millions of rows: compiling them cost more than running
        figures = yearly_figures_compute(year=year, today=timezone.localdate(now))
        return copy_upsert(
            YearlyFigure._meta.db_table,
            ["customer_id", "year", *FIGURES, "source", "updated_at"],
            (
                (cid, year, *(v[f] for f in FIGURES), FigureSource.COMPUTED.value, now)
                for cid, v in figures.items()
            ),
            unique=["customer_id", "year"],
            update=[*FIGURES, "source", "updated_at"],
            compare=[*FIGURES, "source"],
        )


def yearly_figures_job(*, now: datetime, since: datetime | None = None) -> dict:
    """The nightly job: this year's figures so far and last year's (corrections arrive late)."""
    year = timezone.localdate(now).year
    return {str(y): yearly_figures_recompute(year=y, now=now) for y in (year - 1, year)}
