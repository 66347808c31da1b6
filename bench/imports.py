"""Import of a 10,000-row customer workbook (preview, then confirm), with its peak memory.

Runs in a subprocess of its own (`run.py --import-worker`), so that its peak resident memory
(ru_maxrss) is the import's and not the seeding's or the other measurements'. Each pass runs
in a transaction rolled back at the end: the bench database keeps its size.
"""

import json
import resource
import subprocess
import sys
import time
from contextlib import nullcontext
from io import BytesIO
from pathlib import Path

from bench.measure import Result, Skip, stats

ROWS = 10_000
MARK = "BENCH-IMPORT-RESULT "


def measure(*, database: str, quick: bool, scale: float) -> Result:
    rows = ROWS if scale >= 1 else max(50, round(ROWS * scale * 10))
    cmd = [sys.executable, str(Path(__file__).with_name("run.py")), "--import-worker", "--database", database]
    env_rows = {"BENCH_IMPORT_ROWS": str(rows), "BENCH_IMPORT_REPS": "1" if quick else "3"}
    import os

    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env={**os.environ, **env_rows})  # noqa: S603
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith(MARK)), None)
    if line is None:
        raise Skip(f"import worker failed (exit {proc.returncode}): {(proc.stderr or proc.stdout)[-800:]}")
    data = json.loads(line[len(MARK):])
    if "skip" in data:
        raise Skip(data["skip"])
    res = Result(name=f"import customers {rows} rows", kind="import",
                 target={"median_ms": 10_000, "confirm_median_ms": 10_000, "peak_rss_mb": 300})
    res.__dict__.update(data["preview"])
    res.queries = data["queries"]["preview"]
    res.extra = {
        "rows": rows, "confirm_median_ms": data["confirm"]["median_ms"], "confirm_p95_ms": data["confirm"]["p95_ms"],
        "confirm_queries": data["queries"]["confirm"], "peak_rss_mb": data["peak_rss_mb"],
        "baseline_rss_mb": data["baseline_rss_mb"], "rows_per_s_confirm": data["rows_per_s_confirm"],
        "created": data["created"], "workbook_bytes": data["workbook_bytes"],
    }
    res.notes.append("median/p95 are the preview pass; the confirm pass is in extra")
    res.judge()
    return res


def workbook(rows: int, owner: str) -> bytes:
    from openpyxl import Workbook

    from bench.seed import credit_code

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("客户")
    ws.append(["客户名称", "简称", "统一社会信用代码", "行业", "省份", "城市", "地址", "电话", "负责业务员"])
    for k in range(rows):
        i = 20_000_000 + k  # far beyond the seeded customers: every row is new
        ws.append([f"杭州导入测试{k:05d}实业有限公司", f"导入{k}", credit_code(i, "330000"), "机械制造", "浙江省", "杭州",
                   f"杭州市西湖区{k}号", "0571-88880000", owner])
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def worker() -> int:
    import os

    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from crm.models import User

    try:
        from customers.imports import import_commit, import_stage
    except ImportError as exc:
        print(MARK + json.dumps({"skip": f"customers.imports is not there yet ({exc})"}))
        return 0
    rows, reps = int(os.environ.get("BENCH_IMPORT_ROWS", ROWS)), int(os.environ.get("BENCH_IMPORT_REPS", 3))
    actor = User.objects.get(username="bench_assistant_east")
    content = workbook(rows, "bench_sales_east_1")
    baseline = rss_mb()
    preview, confirm, queries, created, peak = [], [], {}, 0, 0.0
    for rep in range(reps + 1):
        capture = rep == reps  # the last pass counts queries (the capture costs memory): not timed
        if capture:
            peak = rss_mb()
        with transaction.atomic():
            upload = SimpleUploadedFile("customers.xlsx", content, content_type="application/octet-stream")
            with CaptureQueriesContext(connection) if capture else nullcontext() as ctx:
                t0 = time.perf_counter()
                staged = import_stage(actor=actor, kind="customers", file=upload)
                t1 = time.perf_counter()
            if not staged.report.ok:
                bad = staged.report.bad_rows[:3]
                print(MARK + json.dumps({"skip": f"the preview refused the workbook: {bad} {staged.report.problems}"},
                                        default=str))
                return 0
            n_preview = len(ctx.captured_queries) if capture else 0
            with CaptureQueriesContext(connection) if capture else nullcontext() as ctx:
                t2 = time.perf_counter()
                batch = import_commit(actor=actor, staged=staged.token_data())
                t3 = time.perf_counter()
            created = batch.created
            if capture:
                queries = {"preview": n_preview, "confirm": len(ctx.captured_queries)}
            else:
                preview.append(t1 - t0)
                confirm.append(t3 - t2)
            transaction.set_rollback(True)
    c = stats(confirm)
    out = {"preview": stats(preview), "confirm": c, "queries": queries, "peak_rss_mb": peak,
           "baseline_rss_mb": baseline, "created": created, "workbook_bytes": len(content),
           "rows_per_s_confirm": round(rows / (c["median_ms"] / 1000), 0) if c["median_ms"] else None}
    print(MARK + json.dumps(out))
    return 0
