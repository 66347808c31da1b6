"""Seed the bench database at company scale with bulk inserts (COPY on PostgreSQL).

Each app's data is a *part* (people, customers, visits, complaints, blacklist, grading,
engagement, sales), seeded once and remembered in the table `bench_meta`; a part whose models
do not exist yet (the app is still being built) is skipped with a note and seeded on a later
run, and so is a part added to the seeder after the database was seeded. Rows get explicit
ids, so later parts can refer to them without reading them back, and every value is derived
from the row number: the same database comes out on every machine.

Sizes at scale 1.0 (issues 9, 18, 20): 100,000 customers over 3 departments and 30
salespeople, 300,000 contacts, 3 years of yearly figures, 1,000,000 visit reports (one
customer with 500), 20,000 complaint tickets, 2,000 blacklist entries, an open review round;
tiers (1% 战略, 5% 关键, with account managers) and 3,000,000 contact records over two years;
9,000 agreements (one per ten graded customers) with 27,000 instalments, 2,000,000 deliveries,
their receivables and the payments applied to them (1.9 million: one receivable in twenty open,
one in twenty paid in two halves), an integration API token.

Modules: base (sizes, bookkeeping, the bulk writer, who is who), core (customers, visits),
others (complaints, blacklist, grading), engagement (tiers, contact log), sales (the ledger).
"""

import time
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction

from crm import db

from .base import (
    CONTACTS_PER_CUSTOMER,
    DEPARTMENTS,
    EMPTY_CUSTOMER_ID,
    FULL,
    HEAVY_CUSTOMER_ID,
    HEAVY_VISITS,
    SALES_PER_DEPARTMENT,
    Scale,
    SkipPart,
    Writer,
    credit_code,
    dept_ids,
    grade_of,
    meta_get,
    meta_set,
    owner_of,
    sales_username,
    seed_people,
    user_ids,
)
from .core import last_onsite_days_ago, seed_customers, seed_visits, visit_count
from .engagement import HEAVY_CONTACT_RECORDS, seed_engagement, tier_of
from .others import seed_blacklist, seed_complaints, seed_grading
from .sales import API_TOKEN, HEAVY_DELIVERIES, seed_sales

__all__ = [
    "API_TOKEN",
    "CONTACTS_PER_CUSTOMER",
    "DEPARTMENTS",
    "EMPTY_CUSTOMER_ID",
    "FULL",
    "HEAVY_CONTACT_RECORDS",
    "HEAVY_CUSTOMER_ID",
    "HEAVY_DELIVERIES",
    "HEAVY_VISITS",
    "PARTS",
    "SALES_PER_DEPARTMENT",
    "Scale",
    "SkipPart",
    "credit_code",
    "dept_ids",
    "grade_of",
    "last_onsite_days_ago",
    "owner_of",
    "sales_username",
    "seed_all",
    "tier_of",
    "user_ids",
    "visit_count",
]

PARTS = [
    ("people", seed_people),
    ("customers", seed_customers),
    ("visits", seed_visits),
    ("complaints", seed_complaints),
    ("blacklist", seed_blacklist),
    ("grading", seed_grading),
    ("engagement", seed_engagement),
    ("sales", seed_sales),
]


@dataclass
class Context:
    now: datetime
    scale: Scale
    writer: Writer
    fields: set | None = None


def seed_all(*, now: datetime, scale: Scale, log=print) -> dict:
    """Seed every part not seeded yet; returns {part: counts or the reason it was skipped}."""
    stored = meta_get("scale")
    # A size added to the seeder later (a new part) is not a change of scale.
    if stored and any(stored.get(k, v) != v for k, v in scale.__dict__.items()):
        raise SystemExit(f"The bench database was seeded at {stored}; run with --reseed to change the scale.")
    meta_set("scale", scale.__dict__)
    ctx = Context(now=now, scale=scale, writer=Writer(now=now))
    report = {}
    if db.vendor_is_postgresql():
        with connection.cursor() as cur:
            cur.execute("SET synchronous_commit TO off")
    for name, fn in PARTS:
        done = meta_get(f"part:{name}")
        if done is not None:
            report[name] = {"seeded": done["counts"], "seconds": done["seconds"], "reused": True}
            continue
        t0 = time.perf_counter()
        try:
            with transaction.atomic():
                counts = fn(ctx)
                seconds = round(time.perf_counter() - t0, 1)
                meta_set(f"part:{name}", {"counts": counts, "seconds": seconds, "at": now.isoformat()})
        except SkipPart as exc:
            report[name] = {"skipped": str(exc)}
            log(f"  seed {name}: skipped ({exc})")
            continue
        report[name] = {"seeded": counts, "seconds": seconds}
        log(f"  seed {name}: {counts} in {seconds} s")
        if db.vendor_is_postgresql():
            with connection.cursor() as cur:
                cur.execute("ANALYZE")
    return report
