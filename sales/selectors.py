"""Reads of the sales records: the customer panel, the manager's widget, the monthly statement,
the approvers' queue."""

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Case, DecimalField, F, Q, QuerySet, Sum, When, Window
from django.db.models.functions import Coalesce

from crm.db import read_together
from customers.models import Customer

from .models import Agreement, AgreementState, Payment, Receivable

ZERO = Decimal(0)
MONEY = DecimalField(max_digits=16, decimal_places=2)
# Ageing of open receivables by days past due (not yet due counts as 0 days).
BUCKETS = (("d0_30", None, 30), ("d31_60", 31, 60), ("d61_90", 61, 90), ("over_90", 91, None))


def _outstanding():
    return F("amount") - F("paid_amount")


def _ageing_sums(today: date) -> dict:
    """The ageing figures as aggregates over open receivables: per bucket, total, overdue."""
    sums = {}
    for key, lo, hi in BUCKETS:
        cond = Q()
        if lo is not None:
            cond &= Q(due_on__lte=today - timedelta(days=lo))
        if hi is not None:
            cond &= Q(due_on__gt=today - timedelta(days=hi + 1))
        sums[key] = Sum(Case(When(cond, then=_outstanding()), output_field=MONEY))
    sums["total"] = Sum(_outstanding(), output_field=MONEY)
    sums["overdue"] = Sum(Case(When(due_on__lt=today, then=_outstanding()), output_field=MONEY))
    sums["overdue_count"] = Sum(Case(When(due_on__lt=today, then=1), default=0))
    return sums


def ageing(receivables, *, today: date) -> dict:
    """Outstanding amounts by ageing bucket, in one aggregate query."""
    whens = {k: Coalesce(v, 0 if k == "overdue_count" else ZERO) for k, v in _ageing_sums(today).items()}
    return receivables.filter(settled_on__isnull=True).aggregate(**whens)


OPEN_ROWS = 10


def customer_sales_reads(customer: Customer, *, today: date) -> dict[str, QuerySet]:
    """Agreements, open receivables with ageing and payments of one customer, as querysets (the
    customer page reads them in its one statement; `customer_sales_panel` puts them together).

    The ageing is summed over all the open receivables in the statement that reads the first
    OPEN_ROWS of them (window aggregates, computed before the LIMIT)."""
    return {
        "agreements": Agreement.objects.filter(customer=customer).order_by("-signed_on", "-id")[:5],
        "receivables": Receivable.objects.filter(customer=customer, settled_on__isnull=True)
        .annotate(**{f"ageing_{k}": Window(v) for k, v in _ageing_sums(today).items()})
        .order_by("due_on", "id")[:OPEN_ROWS],
        "payments": Payment.objects.filter(customer=customer).order_by("-received_on", "-id")[:5],
    }


def customer_sales_panel(customer: Customer, *, today: date, rows: dict | None = None) -> dict:
    """The sales panel's data from the rows of `customer_sales_reads` (read here when not given)."""
    if rows is None:
        rows = read_together(customer_sales_reads(customer, today=today))
    sums = _ageing_sums(today)
    receivables = rows["receivables"]
    for r in receivables:
        r.days_overdue = max(0, (today - r.due_on).days)
    first = receivables[0] if receivables else None
    return {
        "agreements": rows["agreements"],
        "receivables": receivables,
        "ageing": {
            k: (getattr(first, f"ageing_{k}", None) or (0 if k == "overdue_count" else ZERO)) for k in sums
        },
        "payments": rows["payments"],
    }


def department_receivables(user, *, today: date) -> dict:
    """The receivables of the customers the user sees (a manager: the department), with the five
    most overdue: three queries (the last, the five names, only when some are overdue)."""
    qs = Customer.objects.rows_visible_to(Receivable.objects.all(), user)
    summary = ageing(qs, today=today)
    # Grouped by customer alone, the names read for the five after: joining the names first
    # read every visible customer's row (bench, issue 21).
    top = list(
        qs.filter(settled_on__isnull=True, due_on__lt=today)
        .values("customer_id")
        .annotate(overdue=Sum(_outstanding(), output_field=MONEY))
        .order_by("-overdue")[:5]
    )
    names = dict(Customer.objects.filter(pk__in=[t["customer_id"] for t in top]).values_list("pk", "name"))
    summary["top_overdue"] = [{**t, "customer__name": names.get(t["customer_id"], "")} for t in top]
    return summary


def month_bounds(year: int, month: int) -> tuple[date, date]:
    start = date(year, month, 1)
    end = (date(year + (month == 12), month % 12 + 1, 1)) - timedelta(days=1)
    return start, end


def customer_statement(customer: Customer, *, year: int, month: int) -> dict:
    """对账单: opening balance, the month's receivables (debit) and payments (credit), closing balance."""
    start, end = month_bounds(year, month)
    issued_before = Receivable.objects.filter(customer=customer, issued_on__lt=start).aggregate(
        v=Coalesce(Sum("amount"), ZERO, output_field=MONEY)
    )["v"]
    paid_before = Payment.objects.filter(customer=customer, received_on__lt=start).aggregate(
        v=Coalesce(Sum("amount"), ZERO, output_field=MONEY)
    )["v"]
    opening = issued_before - paid_before
    lines = [
        {
            "date": r.issued_on,
            "number": r.erp_number,
            "kind": "receivable",
            "due_on": r.due_on,
            "debit": r.amount,
            "credit": None,
        }
        for r in Receivable.objects.filter(customer=customer, issued_on__range=(start, end))
    ] + [
        {
            "date": p.received_on,
            "number": p.erp_number,
            "kind": "payment",
            "due_on": None,
            "debit": None,
            "credit": p.amount,
        }
        for p in Payment.objects.filter(customer=customer, received_on__range=(start, end))
    ]
    lines.sort(key=lambda line: (line["date"], line["kind"] != "receivable", line["number"]))
    balance = opening
    for line in lines:
        balance += (line["debit"] or ZERO) - (line["credit"] or ZERO)
        line["balance"] = balance
    return {
        "customer": customer,
        "start": start,
        "end": end,
        "opening": opening,
        "lines": lines,
        "closing": balance,
        "debits": sum((line["debit"] or ZERO for line in lines), ZERO),
        "credits": sum((line["credit"] or ZERO for line in lines), ZERO),
    }


def agreements_awaiting(user, qs: QuerySet[Agreement] | None = None) -> QuerySet[Agreement]:
    """The agreements whose next step is this user's: the department manager's, then 总经办's."""
    qs = qs if qs is not None else Agreement.objects.all()
    if user.is_gm_office:
        return qs.filter(state=AgreementState.PENDING_GM).exclude(created_by=user)
    if user.is_manager:
        return qs.filter(
            state=AgreementState.PENDING_MANAGER, customer__department_id=user.department_id
        ).exclude(created_by=user)
    return qs.none()
