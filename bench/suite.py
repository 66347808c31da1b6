"""What is measured, as whom, against which target (issue 9).

A page or job that does not exist yet (its app is still being built) is skipped with the
reason; it is measured as soon as its URL name or job function lands.
"""

import contextlib
import traceback
from datetime import datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.apps import apps
from django.urls import NoReverseMatch, reverse

from bench import ledger, seed
from bench.measure import Pages, Result, Skip, measure_job

SALES = seed.sales_username("east", 1)  # owns 1/30 of the customers, among them the heavy one
MANAGER = "bench_manager_east"  # a third of the customers
GM = "bench_gm"  # all of them

LIST = {"median_ms": 50, "queries": 8, "ratio": 10}
DETAIL = {"median_ms": 60, "queries": 12, "ratio": 10}
PAGE = {"ratio": 10}


def url(name: str, *args, query: str = "") -> str:
    try:
        base = reverse(name, args=args)
    except NoReverseMatch as exc:
        raise Skip(f"URL {name} does not exist yet") from exc
    return f"{base}?{query}" if query else base


def proposal_changelist() -> str:
    from django.contrib import admin

    for model in admin.site._registry:
        if model._meta.app_label == "grading" and "proposal" in model._meta.model_name:
            return url(f"admin:grading_{model._meta.model_name}_changelist")
    raise Skip("no grade-change proposal model registered in the admin yet")


SEARCH = {"median_ms": 50, "ratio": 10}


def search_terms() -> list[tuple[str, str, str]]:
    """(kind, with hits, without): seed.py names customers `{city}{word}{industry}{n}有限公司` and
    gives contact n the mobile 13{n:09d}; customer 1 (the salesperson's) has credit_code(0, 310000)."""
    return [
        ("2 chars", "恒力", "凤凰"),
        ("3+ chars", "恒力机械", "凤凰科技"),
        ("latin", "hengli", "xyzzyq"),
        ("initials", "hljx", "qqzx"),
        ("mobile", "13000000001", "13999999999"),
        ("credit code", seed.credit_code(0, "310000"), seed.credit_code(2_000_000, "650000")),
    ]


def searches() -> list[tuple[str, str, callable, dict]]:
    """Issue 21: every kind of term, as a salesperson and as 总经办, with hits and with none."""
    out = []
    for role, user in (("sales", SALES), ("gm", GM)):
        for kind, hit, miss in search_terms():
            for label, term in (("hits", hit), ("none", miss)):
                out.append(
                    (
                        f"page search {role} {kind} {label}",
                        user,
                        lambda term=term: url("customers:list", query=urlencode({"q": term})),
                        SEARCH,
                    )
                )
    return out


def pages() -> list[tuple[str, str, callable, dict]]:
    """(name, username, url factory, target)."""
    return [*page_list(), *searches()]


def page_list() -> list[tuple[str, str, callable, dict]]:
    return [
        ("page customer-list sales", SALES, lambda: url("customers:list"), LIST),
        (
            "page customer-list sales search",
            SALES,
            lambda: url("customers:list", query="q=%E6%81%92%E5%8A%9B"),
            LIST,
        ),
        (
            "page customer-list sales filter",
            SALES,
            lambda: url("customers:list", query="grade=B&status=active"),
            LIST,
        ),
        ("page customer-list manager", MANAGER, lambda: url("customers:list"), LIST),
        ("page customer-list gm all", GM, lambda: url("customers:list"), {**LIST, "median_ms": 100}),
        (
            "page customer-list gm page 100",
            GM,
            lambda: url("customers:list", query="page=100"),
            {**LIST, "median_ms": 100},
        ),
        (
            "page customer-detail 500 visits",
            SALES,
            lambda: url("customers:detail", seed.HEAVY_CUSTOMER_ID),
            DETAIL,
        ),
        (
            "page customer-detail 0 visits",
            SALES,
            lambda: url("customers:detail", seed.EMPTY_CUSTOMER_ID),
            DETAIL,
        ),
        ("page visits-mine", SALES, lambda: url("visits:mine"), PAGE),
        ("page home manager", MANAGER, lambda: url("home"), PAGE),
        ("page home sales", SALES, lambda: url("home"), PAGE),
        ("page home gm", GM, lambda: url("home"), PAGE),
        ("page blacklist-report", GM, lambda: url("blacklist:report"), PAGE),
        ("page proposal-admin", MANAGER, proposal_changelist, PAGE),
    ]


def review_time(now: datetime) -> datetime:
    """A moment inside next year's default review window (25-30 March): the round opens then."""
    tz = ZoneInfo("Asia/Shanghai")
    return datetime.combine(now.date().replace(year=now.year + 1, month=3, day=26), time(1, 0), tzinfo=tz)


def job_models(*labels):
    out = []
    for label in labels:
        if "." in label:
            with contextlib.suppress(LookupError):
                out.append(apps.get_model(label))
        else:
            with contextlib.suppress(LookupError):
                out.extend(
                    m
                    for m in apps.get_app_config(label).get_models()
                    if "historical" not in m._meta.model_name
                )
    return out


def digest_time(now: datetime) -> datetime:
    """08:00 Asia/Shanghai the next day: every default digest time has come, every reminder is older."""
    tz = ZoneInfo("Asia/Shanghai")
    return datetime.combine(now.astimezone(tz).date() + timedelta(days=1), time(8, 0), tzinfo=tz)


def overdue_reminders(now: datetime):
    """Before the digest job (in its rolled-back transaction): the overdue-visits reminders it gathers."""

    def prepare():
        from crm.jobs import run_job

        run_job("overdue-visits", now=now)

    return prepare


def jobs(now: datetime) -> list[tuple]:
    """(job name, now, target, models whose rows are counted, rerun?, prepare or None)."""
    counted = ["crm.Notification", "crm.AuditLog"]
    return [
        ("overdue-visits", now, {"median_ms": 5000}, job_models(*counted), True, None),
        ("blacklist-expiry", now, {"median_ms": 500}, job_models(*counted, "blacklist"), True, None),
        ("complaint-deadlines", now, {}, job_models(*counted), True, None),
        (
            "annual-review",
            review_time(now),
            {"median_ms": 10_000, "rerun_median_ms": 5000, "rerun_rows_created": 0},
            job_models(*counted, "grading"),
            True,
            None,
        ),
        # Issue 16: one digest per person for the ~45,000 overdue reminders; the rerun sends nothing.
        (
            "notification-digest",
            digest_time(now),
            {"median_ms": 5000, "rerun_rows_created": 0},
            job_models(*counted),
            True,
            overdue_reminders(now),
        ),
        # Issue 18: the cadence over 100,000 customers and 3,000,000 contact records; one
        # reminder per period: the rerun creates nothing.
        (
            "contact-cadence",
            now,
            {"median_ms": 5000, "rerun_rows_created": 0},
            job_models(*counted, "engagement.CadenceReminder"),
            True,
            None,
        ),
        # Issue 20: last year's and this year's figures from 2,000,000 deliveries and payments
        # (the target, 30 s, is the for one year; the job recomputes two).
        (
            "sales-yearly-figures",
            now,
            {"median_ms": 30_000, "rerun_rows_created": 0},
            job_models(*counted, "customers.YearlyFigure"),
            True,
            None,
        ),
    ]


def deliveries_before(n: int) -> int:
    """The id of the n-th delivery in id order (0 if fewer): where page n / 100 + 1 starts."""
    from sales.models import Delivery

    return Delivery.objects.order_by("id").values_list("id", flat=True)[n - 1 : n].first() or 0


def api_pages() -> list[tuple[str, callable]]:
    """Issue 20: pages of 100 records of the REST API, read with the integration token."""
    return [
        ("api deliveries page 1", lambda: url("api:deliveries")),
        ("api deliveries page 10000", lambda: url("api:deliveries", query="page=10000")),
        # The same records by keyset (`after` = the last id of page 9,999): what a full read pays.
        (
            "api deliveries after 999900",
            lambda: url("api:deliveries", query=f"after={deliveries_before(999_900)}"),
        ),
        ("api receivables page 1", lambda: url("api:receivables")),
        ("api payments page 1", lambda: url("api:payments")),
    ]


def selected(name: str, only: list[str]) -> bool:
    """`--only customer-list` or `--only "page customer-list"`: a prefix, with or without the kind."""
    key = name.replace(" ", "-")
    bare = key.split("-", 1)[-1]
    return not only or any(
        key.startswith(o.replace(" ", "-")) or bare.startswith(o.replace(" ", "-")) for o in only
    )


def run(*, now, quick: bool, only: list[str], scale: float, database: str) -> tuple[list[Result], list[dict]]:
    results, skipped = [], []
    reps, floor_reps = (8, 3) if quick else (30, 5)
    job_reps = 1 if quick else 3
    pager = Pages(reps=reps, floor_reps=floor_reps)

    def attempt(name, fn):
        print(f"  {name} ...", end="", flush=True)
        try:
            res = fn()
        except Skip as exc:
            skipped.append({"name": name, "reason": str(exc)})
            print(f" skipped: {exc}")
            return
        except Exception as exc:  # a page that crashes is reported, the run goes on
            skipped.append(
                {
                    "name": name,
                    "reason": f"error: {exc.__class__.__name__}: {exc}",
                    "traceback": traceback.format_exc(limit=6),
                }
            )
            print(f" ERROR {exc.__class__.__name__}: {exc}")
            return
        results.append(res)
        print(f" {res.median_ms:.1f} ms, {res.queries} queries, {res.verdict}")

    for name, user, make_url, target in pages():
        if selected(name, only):
            attempt(
                name,
                lambda name=name, user=user, make_url=make_url, target=target: pager.measure(
                    name, user, make_url(), target
                ),
            )
    for name, when, target, counted, rerun, prepare in jobs(now):
        label = f"job {name}"
        if selected(label, only):
            attempt(
                label,
                lambda name=name, when=when, target=target, counted=counted, rerun=rerun, prepare=prepare: (
                    _job(
                        label=f"job {name}",
                        name=name,
                        now=when,
                        reps=job_reps,
                        floor_reps=2 if quick else 3,
                        target=target,
                        count_models=counted,
                        rerun=rerun,
                        prepare=prepare,
                        database=database,
                    )
                ),
            )
    for name, make_url in api_pages():
        if selected(name, only):
            attempt(
                name,
                lambda name=name, make_url=make_url: ledger.measure_api(
                    name=name, path=make_url(), reps=reps, floor_reps=floor_reps
                ),
            )
    if selected("import erp", only):
        attempt("import erp deliveries", lambda: ledger.measure_import(quick=quick, scale=scale))
    if selected("import customers", only):
        from bench import imports

        attempt("import customers", lambda: imports.measure(database=database, quick=quick, scale=scale))
    return results, skipped


def _job(*, label, **kwargs) -> Result:
    res = measure_job(**kwargs)
    res.name = label
    return res
