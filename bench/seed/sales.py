"""The ledger (issue 20): agreements with instalments, 2,000,000 deliveries with their
receivables, 2,000,000 payments applied to them, an integration account for the API.

Deliveries spread over the last three years (the yearly recompute has three years of work);
each one issues a receivable due 30 days later. One receivable in twenty is still open (the
older ones overdue), one in twenty is paid in two halves, the rest by one payment naming it,
one in eight of them after the due date. One delivery in 25 is picked up late, one in 50 not
yet. Allocations, paid amounts and settlement dates are what sales.services.ledger would keep.
"""

from datetime import timedelta
from decimal import Decimal

from .base import HEAVY_CUSTOMER_ID, grade_of, model_or_skip, owner_of, sales_username, user_ids

HEAVY_DELIVERIES = 500  # the heavy customer's ledger
API_TOKEN = "bench-integration-token-not-a-secret"  # noqa: S105 (the bench database only)
DAYS = 3 * 365
CENT = Decimal("0.01")


def delivery_count(i: int, per_customer: float) -> int:
    if i + 1 == HEAVY_CUSTOMER_ID:
        return HEAVY_DELIVERIES
    if not grade_of(i):
        return 0  # prospects have bought nothing
    return int((i * 13) % 21 * per_customer / 10 + 0.5)


def seed_sales(ctx) -> dict:
    Delivery = model_or_skip("sales.Delivery")
    Receivable = model_or_skip("sales.Receivable")
    Payment = model_or_skip("sales.Payment")
    Allocation = model_or_skip("sales.PaymentAllocation")
    Agreement = model_or_skip("sales.Agreement")
    Instalment = model_or_skip("sales.Instalment")
    from sales.api_auth import integration_account_create

    users, today, n = user_ids(), ctx.now.date(), ctx.scale.customers
    graded = sum(1 for i in range(n) if grade_of(i)) or 1
    # Payments = receivables (one each, two for one in twenty, none for one in twenty).
    per_customer = max(0.0, (min(ctx.scale.deliveries, ctx.scale.payments) - HEAVY_DELIVERIES) / graded)
    out = {}

    def ledger():
        """(delivery id, customer id, delivered on, value, payments [(received on, amount)])."""
        did = 0
        for i in range(n):
            count = delivery_count(i, per_customer)
            for j in range(count):
                did += 1
                day = today - timedelta(days=3 + j * DAYS // max(1, count) + i % 7)
                value = Decimal(1000 + (did * 37) % 200 * 500)
                received = day + timedelta(days=30 + (12 if did % 8 == 3 else -3))
                if did % 20 == 0 or received > today:
                    parts = []  # still open: overdue once past its due date
                elif did % 20 == 1:
                    half = (value / 2).quantize(CENT)
                    parts = [(received - timedelta(days=10), half), (received, value - half)]
                else:
                    parts = [(received, value)]
                yield did, i + 1, day, value, parts

    def deliveries():
        for did, cid, day, value, _parts in ledger():
            pickup = day + timedelta(days=10)
            waiting = did % 50 == 1 and pickup < today
            yield {
                "id": did,
                "erp_number": f"DN{did:08d}",
                "customer_id": cid,
                "delivered_on": day,
                "value": value,
                "goods": "精密零部件一批",
                "pickup_due_on": pickup,
                "picked_up_on": None if waiting else pickup + timedelta(days=5 if did % 25 == 0 else -2),
            }

    def receivables():
        for did, cid, day, value, parts in ledger():
            yield {
                "id": did,
                "erp_number": f"AR{did:08d}",
                "customer_id": cid,
                "source": "delivery",
                "delivery_id": did,
                "issued_on": day,
                "due_on": day + timedelta(days=30),
                "amount": value,
                "paid_amount": value if parts else Decimal(0),
                "settled_on": parts[-1][0] if parts else None,
            }

    def payments(allocations: bool):
        pid = 0
        for did, cid, _day, _value, parts in ledger():
            for received, amount in parts:
                pid += 1
                if allocations:  # one allocation per payment, with the payment's id
                    yield {"id": pid, "payment_id": pid, "receivable_id": did, "amount": amount}
                else:
                    yield {
                        "id": pid,
                        "erp_number": f"RC{pid:08d}",
                        "customer_id": cid,
                        "received_on": received,
                        "amount": amount,
                        "applies_to": f"AR{did:08d}",
                    }

    out["deliveries"] = ctx.writer.write(Delivery, deliveries())
    out["receivables"] = ctx.writer.write(Receivable, receivables())
    out["payments"] = ctx.writer.write(Payment, payments(allocations=False))
    out["allocations"] = ctx.writer.write(Allocation, payments(allocations=True))
    out.update(_agreements(ctx, Agreement, Instalment, Receivable, users, out["receivables"]))
    integration_account_create(
        name="bench-erp", scopes=["deliveries", "receivables", "payments"], token=API_TOKEN
    )
    out["integration_accounts"] = 1
    return out


def _agreements(ctx, Agreement, Instalment, Receivable, users, first_receivable: int) -> dict:
    """One effective agreement per ten graded customers, three instalments each, which are
    receivables (as sales.services.agreements makes them when the agreement takes effect)."""
    now, today, n = ctx.now, ctx.now.date(), ctx.scale.customers
    customers = [i for i in range(n) if grade_of(i)][: ctx.scale.agreements * 10 : 10]

    def agreements():
        for aid, i in enumerate(customers, start=1):
            dept, k = owner_of(i)
            signed = today - timedelta(days=aid % 300)
            yield {
                "id": aid,
                "number": f"XS-{signed.year}-{aid:06d}",
                "customer_id": i + 1,
                "amount": Decimal(90_000),
                "signed_on": signed,
                "valid_from": signed,
                "valid_until": signed + timedelta(days=365),
                "state": "effective",
                "created_by_id": users[sales_username(dept, k)],
                "created_at": now - timedelta(days=aid % 300),
                "submitted_at": now - timedelta(days=aid % 300),
                "effective_at": now - timedelta(days=aid % 300),
            }

    def instalments():
        for aid, _i in enumerate(customers, start=1):
            signed = today - timedelta(days=aid % 300)
            for seq in (1, 2, 3):
                yield {
                    "id": (aid - 1) * 3 + seq,
                    "agreement_id": aid,
                    "seq": seq,
                    "due_on": signed + timedelta(days=120 * seq),
                    "amount": Decimal(30_000),
                }

    def receivables():
        for aid, i in enumerate(customers, start=1):
            signed = today - timedelta(days=aid % 300)
            for seq in (1, 2, 3):
                yield {
                    "id": first_receivable + (aid - 1) * 3 + seq,
                    "erp_number": f"XS-{signed.year}-{aid:06d}/{seq}",
                    "customer_id": i + 1,
                    "source": "instalment",
                    "instalment_id": (aid - 1) * 3 + seq,
                    "issued_on": signed,
                    "due_on": signed + timedelta(days=120 * seq),
                    "amount": Decimal(30_000),
                }

    return {
        "agreements": ctx.writer.write(Agreement, agreements()),
        "instalments": ctx.writer.write(Instalment, instalments()),
        "instalment_receivables": ctx.writer.write(Receivable, receivables()),
    }
