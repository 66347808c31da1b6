"""Timing of pages and jobs, their query counts and their floors.

- time: median and p95 of repeated runs, measured without query capture (it adds overhead);
- queries: one more run under CaptureQueriesContext;
- SQL floor: the captured statements executed again on a raw cursor (each fetched in full),
  in a transaction rolled back at the end; the floor is the sum of their times (median of
  repeats). What a page costs above it is Python: ORM, templates, middleware;
- framework floor: `bench:bare`, a trivial view through the same middleware, as the same
  user (and `bench:base`, base.html with its context processors, printed for reference).
  ratio = page median / (SQL floor + framework floor).
"""

import statistics
import time
from dataclasses import dataclass, field

from django.db import OperationalError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from crm import db

JOB_BUDGET_S = 60
PAGE_BUDGET_S = 20


class Skip(Exception):
    """A measurement that cannot run yet (page or job not built); the reason is printed."""


def stats(samples: list[float]) -> dict:
    s = sorted(samples)
    p95 = s[min(len(s) - 1, max(0, round(0.95 * len(s) + 0.5) - 1))]
    return {
        "median_ms": round(statistics.median(s) * 1000, 2),
        "p95_ms": round(p95 * 1000, 2),
        "runs": len(s),
    }


@dataclass
class Result:
    name: str
    kind: str  # page | job | import
    median_ms: float = 0.0
    p95_ms: float = 0.0
    runs: int = 0
    queries: int = 0
    sql_floor_ms: float | None = None
    framework_floor_ms: float | None = None
    ratio: float | None = None
    target: dict = field(default_factory=dict)
    verdict: str = ""
    notes: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    def judge(self) -> None:
        missed = []
        t = self.target
        if "median_ms" in t and self.median_ms > t["median_ms"]:
            missed.append(f"median {self.median_ms:.0f} ms > {t['median_ms']} ms")
        if "queries" in t and self.queries > t["queries"]:
            missed.append(f"{self.queries} queries > {t['queries']}")
        if "ratio" in t and self.ratio is not None and self.ratio > t["ratio"]:
            missed.append(f"{self.ratio:.1f}x floor > {t['ratio']}x")
        for key, limit in t.items():
            if key in ("median_ms", "queries", "ratio"):
                continue
            value = self.extra.get(key)
            if value is not None and value > limit:
                missed.append(f"{key} {value} > {limit}")
        self.verdict = "MISSED: " + "; ".join(missed) if missed else "ok"


def replay(statements: list[str], repeats: int) -> tuple[float, int]:
    """The SQL floor: median over `repeats` of the summed execution time of the statements."""
    totals, errors = [], 0
    started = time.perf_counter()
    for _ in range(repeats):
        if totals and time.perf_counter() - started > JOB_BUDGET_S / 2:
            break
        total, errors = 0.0, 0
        with transaction.atomic():
            with connection.cursor() as wrapper:
                raw = wrapper.cursor
                for sql in statements:
                    sid = transaction.savepoint()
                    try:
                        t0 = time.perf_counter()
                        raw.execute(sql)
                        if raw.description:
                            raw.fetchall()
                        total += time.perf_counter() - t0
                        transaction.savepoint_commit(sid)
                    except Exception:
                        transaction.savepoint_rollback(sid)
                        errors += 1
            transaction.set_rollback(True)
        totals.append(total)
    return statistics.median(totals), errors


def captured_sql(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries]


class Pages:
    """Measures pages with the test client, one logged-in client per persona."""

    def __init__(self, *, reps: int, floor_reps: int):
        self.reps, self.floor_reps = reps, floor_reps
        self._clients: dict[str, Client] = {}
        self._floors: dict[str, dict] = {}

    def client(self, username: str) -> Client:
        from crm.models import User

        if username not in self._clients:
            c = Client()
            c.force_login(User.objects.get(username=username))
            self._clients[username] = c
        return self._clients[username]

    def get(self, username: str, url: str):
        response = self.client(username).get(url)
        if response.status_code != 200:
            raise Skip(f"GET {url} as {username} answered {response.status_code}")
        return response

    def time_url(self, username: str, url: str, reps: int) -> list[float]:
        """`reps` timed requests, fewer (at least 5) for a page so slow that they pass 20 s."""
        c = self.client(username)
        samples = []
        started = time.perf_counter()
        for _ in range(reps):
            if len(samples) >= 5 and time.perf_counter() - started > PAGE_BUDGET_S:
                break
            t0 = time.perf_counter()
            c.get(url)
            samples.append(time.perf_counter() - t0)
        return samples

    def framework_floor(self, username: str) -> dict:
        if username not in self._floors:
            out = {}
            for view in ("bare", "base"):
                url = f"/__bench__/{view}/"
                self.get(username, url)
                out[view] = stats(self.time_url(username, url, max(self.reps, 20)))["median_ms"]
            self._floors[username] = out
        return self._floors[username]

    def cold(self, username: str, url: str, reps: int = 3) -> dict:
        """The first request after `cache.clear()` (chart, menu and count caches all empty)."""
        from django.core.cache import cache

        c, samples = self.client(username), []
        for _ in range(reps):
            cache.clear()
            t0 = time.perf_counter()
            c.get(url)
            samples.append(time.perf_counter() - t0)
        return stats(samples)

    def measure(self, name: str, username: str, url: str, target: dict) -> Result:
        self.get(username, url)  # lazy imports and first query plans: not what "cold" means
        cold = self.cold(username, url)
        for _ in range(2):  # warm-up: caches, the first query plans, lazy imports
            self.get(username, url)
        res = Result(name=name, kind="page", target=target)
        res.__dict__.update(stats(self.time_url(username, url, self.reps)))
        with CaptureQueriesContext(connection) as ctx:
            response = self.get(username, url)
        res.queries = len(ctx.captured_queries)
        floor_s, errors = replay(captured_sql(ctx), self.floor_reps)
        fw = self.framework_floor(username)
        res.sql_floor_ms = round(floor_s * 1000, 2)
        res.framework_floor_ms = fw["bare"]
        res.ratio = round(res.median_ms / max(0.01, res.sql_floor_ms + res.framework_floor_ms), 2)
        res.extra = {
            "url": url,
            "user": username,
            "bytes": len(response.content),
            "base_template_ms": fw["base"],
            "cold_median_ms": cold["median_ms"],
            "cold_p95_ms": cold["p95_ms"],
            "slowest_sql": slowest(ctx),
        }
        if errors:
            res.notes.append(f"{errors} statements could not be replayed")
        res.judge()
        return res


def slowest(ctx: CaptureQueriesContext, top: int = 3) -> list[dict]:
    """The slowest statements of the captured run (as the ORM timed them), for the findings."""
    rows = sorted(ctx.captured_queries, key=lambda q: float(q["time"]), reverse=True)[:top]
    return [{"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"][:4000]} for q in rows]


STATEMENT_TIMEOUT_S = 120


def bound_statements() -> None:
    """A job statement that runs past two minutes is cancelled (and reported), so a pathological
    plan cannot hold the whole bench for hours."""
    if db.vendor_is_postgresql():
        with connection.cursor() as cur:
            cur.execute(f"SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT_S}s'")


def analyze(models_list) -> None:
    if db.vendor_is_postgresql():
        with connection.cursor() as cur:
            for m in models_list:
                cur.execute(f"ANALYZE {connection.ops.quote_name(m._meta.db_table)}")


def table_counts(models_list) -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in models_list}


def measure_job(
    name: str,
    *,
    now,
    reps: int,
    floor_reps: int,
    target: dict,
    count_models,
    rerun: bool,
    prepare=None,
    database: str | None = None,
) -> Result:
    """Run a job `reps` times, each in a transaction rolled back (every run is a first run).

    With `rerun`, each repetition also runs the job a second time inside the same
    transaction and records its time and the rows it created (should be none).
    """
    from crm.jobs import job_function

    try:
        job_function(name)
    except Exception as exc:
        raise Skip(f"job {name} is not importable yet ({exc.__class__.__name__}: {exc})") from exc
    try:
        res = _measure_job(
            name,
            now=now,
            reps=reps,
            floor_reps=floor_reps,
            target=target,
            count_models=count_models,
            rerun=rerun,
            prepare=prepare,
        )
        if database:
            res.extra.update(commit_once(name, now=now, prepare=prepare, database=database))
            res.judge()
        return res
    except OperationalError as exc:
        if "statement timeout" not in str(exc):
            raise
        raise Skip(
            f"MISSED: a statement of job {name} ran past {STATEMENT_TIMEOUT_S} s and was cancelled "
            f"({str(exc).splitlines()[0]})"
        ) from exc


def commit_once(name: str, *, now, prepare, database: str) -> dict:
    """One run that commits, on a scratch copy of the bench database (bench/scratch.py): the job's
    time and, apart, the COMMIT's (deferred foreign-key checks, fsync) that a rollback hides."""
    import sys

    from bench.scratch import on_scratch
    from crm.jobs import run_job

    with on_scratch(database):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            bound_statements()
            if prepare is not None:
                prepare()
            t0 = time.perf_counter()
            run_job(name, now=now)
            t1 = time.perf_counter()
        except BaseException:
            atomic.__exit__(*sys.exc_info())
            raise
        atomic.__exit__(None, None, None)
        t2 = time.perf_counter()
    return {"commit_run_ms": round((t1 - t0) * 1000, 2), "commit_ms": round((t2 - t1) * 1000, 2)}


def _measure_job(
    name: str, *, now, reps: int, floor_reps: int, target: dict, count_models, rerun: bool, prepare=None
) -> Result:
    from crm.jobs import run_job

    first, second, summaries, created = [], [], [], {}
    statements: list[str] = []
    started = time.perf_counter()
    for rep in range(reps + 1):
        # The first run is captured (query count, statements of the floor) and not timed; the
        # timed ones stop after a minute, so that a slow job keeps the whole run bounded.
        if rep > 1 and time.perf_counter() - started > JOB_BUDGET_S:
            break
        with transaction.atomic():
            bound_statements()
            if prepare is not None:
                prepare()  # what the job works on, in the same rolled-back transaction (not timed)
            before = table_counts(count_models)
            t0 = time.perf_counter()
            if rep == 0:
                with CaptureQueriesContext(connection) as ctx:
                    summary = run_job(name, now=now)
                statements = captured_sql(ctx)
                top = slowest(ctx)
            else:
                summary = run_job(name, now=now)
                first.append(time.perf_counter() - t0)
            middle = table_counts(count_models)
            created = {k: middle[k] - before[k] for k in before if middle[k] != before[k]}
            summaries.append(summary)
            if rerun:
                # The rerun comes after the first run committed and autovacuum analysed the
                # new rows; without fresh statistics see finding 7 of bench/README.md.
                analyze(count_models)
                t1 = time.perf_counter()
                summary2 = run_job(name, now=now)
                if rep > 0:
                    second.append(time.perf_counter() - t1)
                after = table_counts(count_models)
                rerun_created = {k: after[k] - middle[k] for k in after if after[k] != middle[k]}
            transaction.set_rollback(True)
    res = Result(name=name, kind="job", target=target)
    res.__dict__.update(stats(first))
    res.queries = len(statements)
    floor_s, errors = replay(statements, floor_reps)
    res.sql_floor_ms = round(floor_s * 1000, 2)
    res.framework_floor_ms = 0.0
    res.ratio = round(res.median_ms / max(0.01, res.sql_floor_ms), 2)
    res.extra = {"summary": summaries[-1], "rows_created": created, "slowest_sql": top}
    if rerun:
        rs = stats(second)
        res.extra.update(
            rerun_median_ms=rs["median_ms"],
            rerun_p95_ms=rs["p95_ms"],
            rerun_summary=summary2,
            rerun_rows_created=sum(rerun_created.values()),
            rerun_rows_detail=rerun_created,
        )
    if errors:
        res.notes.append(f"{errors} statements could not be replayed")
    res.judge()
    return res
