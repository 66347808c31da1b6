"""Import of a 10,000-row customer workbook (preview, then confirm), with its peak memory.

The targets (issue 15): the preview (`import_stage`: read, decide and stage every row) at
2,000 rows/s or more, the confirm (`import_commit`: write the staged rows) at 3,000 rows/s or
more, a peak resident memory of at most 200 MB.

Runs in a subprocess of its own (`run.py --import-worker`), so that its peak resident memory
(ru_maxrss) is the import's and not the seeding's or the other measurements'. Each pass runs
in a transaction rolled back at the end: the bench database keeps its size.
"""

import json
import resource
import subprocess
import sys
import time
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path

from bench.measure import Result, Skip, stats

ROWS = 10_000
MARK = "BENCH-IMPORT-RESULT "
PREVIEW_ROWS_PER_S, CONFIRM_ROWS_PER_S, PEAK_MB = 2000, 3000, 200


def measure(*, database: str, quick: bool, scale: float) -> Result:
    rows = ROWS if scale >= 1 else max(50, round(ROWS * scale * 10))
    cmd = [sys.executable, str(Path(__file__).with_name("run.py")), "--import-worker", "--database", database]
    env_rows = {"BENCH_IMPORT_ROWS": str(rows), "BENCH_IMPORT_REPS": "1" if quick else "3"}
    import os

    data = _worker(cmd, {**os.environ, **env_rows})
    # Once more on a scratch copy, committed: the confirm pass plus the COMMIT that a rollback hides.
    from bench.scratch import scratch_url

    with scratch_url(database) as url:
        cmd[-1] = url
        committed = _worker(cmd, {**os.environ, **env_rows, "BENCH_IMPORT_COMMIT": "1", "DATABASE_URL": url})
    res = Result(
        name=f"import customers {rows} rows",
        kind="import",
        target={
            "median_ms": round(rows / PREVIEW_ROWS_PER_S * 1000),
            "confirm_median_ms": round(rows / CONFIRM_ROWS_PER_S * 1000),
            "peak_rss_mb": PEAK_MB,
        },
    )
    res.__dict__.update(data["preview"])
    res.queries = data["queries"]["preview"]
    res.extra = {
        "rows": rows,
        "confirm_median_ms": data["confirm"]["median_ms"],
        "confirm_p95_ms": data["confirm"]["p95_ms"],
        "confirm_queries": data["queries"]["confirm"],
        "peak_rss_mb": data["peak_rss_mb"],
        "baseline_rss_mb": data["baseline_rss_mb"],
        "rows_per_s_preview": data["rows_per_s_preview"],
        "rows_per_s_confirm": data["rows_per_s_confirm"],
        "created": data["created"],
        "workbook_bytes": data["workbook_bytes"],
        "commit_run_ms": committed["confirm"]["median_ms"],
        "commit_ms": committed["commit_ms"],
    }
    res.notes.append("median/p95 are the preview pass; the confirm pass is in extra")
    res.judge()
    return res


def _worker(cmd: list[str], env: dict) -> dict:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=env)  # noqa: S603
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith(MARK)), None)
    if line is None:
        raise Skip(f"import worker failed (exit {proc.returncode}): {(proc.stderr or proc.stdout)[-800:]}")
    data = json.loads(line[len(MARK) :])
    if "skip" in data:
        raise Skip(data["skip"])
    return data


def workbook(rows: int, owner: str) -> bytes:
    from openpyxl import Workbook

    from bench.seed import credit_code

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("客户")
    ws.append(["客户名称", "简称", "统一社会信用代码", "行业", "省份", "城市", "地址", "电话", "负责业务员"])
    for k in range(rows):
        i = 20_000_000 + k  # far beyond the seeded customers: every row is new
        ws.append(
            [
                f"杭州导入测试{k:05d}实业有限公司",
                f"导入{k}",
                credit_code(i, "330000"),
                "机械制造",
                "浙江省",
                "杭州",
                f"杭州市西湖区{k}号",
                "0571-88880000",
                owner,
            ]
        )
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


@contextmanager
def count_queries():
    """Counts statements without keeping them (CaptureQueriesContext would hold 100,000 strings)."""
    from django.db import connection

    counter = [0]

    def wrapper(execute, sql, params, many, context):
        counter[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield counter


def rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def worker() -> int:
    import os

    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction

    from crm.models import User

    try:
        from customers.imports import import_commit, import_stage
    except ImportError as exc:
        print(MARK + json.dumps({"skip": f"customers.imports is not there yet ({exc})"}))
        return 0
    rows, reps = int(os.environ.get("BENCH_IMPORT_ROWS", ROWS)), int(os.environ.get("BENCH_IMPORT_REPS", 3))
    # On a scratch copy (measure() makes it): one pass that commits, to time the COMMIT itself.
    commit = os.environ.get("BENCH_IMPORT_COMMIT") == "1"
    if commit:
        reps = 1
    actor = User.objects.get(username="bench_assistant_east")
    baseline = rss_mb()
    content = workbook(rows, "bench_sales_east_1")
    preview, confirm, queries, created = [], [], {}, 0
    started = time.perf_counter()
    for _rep in range(reps):
        # A slow import is not repeated past a minute: the whole bench stays within ~10 minutes.
        if preview and time.perf_counter() - started > 60:
            break
        with transaction.atomic():
            upload = SimpleUploadedFile("customers.xlsx", content, content_type="application/octet-stream")
            with count_queries() as n_preview:
                t0 = time.perf_counter()
                staged = import_stage(actor=actor, kind="customers", file=upload)
                t1 = time.perf_counter()
            if not staged.report.ok:
                bad = staged.report.bad_rows[:3]
                print(
                    MARK
                    + json.dumps(
                        {"skip": f"the preview refused the workbook: {bad} {staged.report.problems}"},
                        default=str,
                    )
                )
                return 0
            with count_queries() as n_confirm:
                t2 = time.perf_counter()
                batch = import_commit(actor=actor, job_id=staged.job.pk)
                t3 = time.perf_counter()
            created = batch.created
            queries = {"preview": n_preview[0], "confirm": n_confirm[0]}
            preview.append(t1 - t0)
            confirm.append(t3 - t2)
            if not commit:
                transaction.set_rollback(True)
        commit_s = time.perf_counter() - t3
    peak = rss_mb()
    p, c = stats(preview), stats(confirm)
    out = {
        "preview": p,
        "confirm": c,
        "queries": queries,
        "peak_rss_mb": peak,
        "baseline_rss_mb": baseline,
        "created": created,
        "workbook_bytes": len(content),
        "commit_ms": round(commit_s * 1000, 2) if commit else None,
        "rows_per_s_preview": round(rows / (p["median_ms"] / 1000), 0) if p["median_ms"] else None,
        "rows_per_s_confirm": round(rows / (c["median_ms"] / 1000), 0) if c["median_ms"] else None,
    }
    print(MARK + json.dumps(out))
    return 0
