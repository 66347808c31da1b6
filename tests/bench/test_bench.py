"""The benchmark harness keeps working: a toy-scale run on SQLite (issue 9).

Timings are never asserted (they are measured by `make bench` on PostgreSQL); what is
checked is that the harness seeds, reuses its seed, measures and writes its results.
"""

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from bench.seed import credit_code
from customers.validators import validate_credit_code

ROOT = Path(__file__).resolve().parents[2]


def test_seeded_credit_codes_are_valid_and_unique():
    codes = [credit_code(i, "310000") for i in range(0, 3_000_000, 997)]
    for code in codes[:500]:
        validate_credit_code(code)
    assert len(set(codes)) == len(codes)


def run_bench(tmp_path, *args):
    cmd = [
        sys.executable,
        str(ROOT / "bench" / "run.py"),
        "--database",
        f"sqlite:///{tmp_path / 'bench.sqlite3'}",
        "--scale",
        "0.002",
        "--quick",
        "--output",
        str(tmp_path / "results.json"),
        *args,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:] + proc.stdout[-3000:]
    return proc.stdout, json.loads((tmp_path / "results.json").read_text())


def test_toy_run_seeds_measures_and_reuses_its_seed(tmp_path):
    stdout, out = run_bench(tmp_path)

    assert out["scale"]["customers"] == 200
    assert out["seed"]["customers"]["seeded"]["customers"] == 200
    assert out["seed"]["customers"]["seeded"]["contacts"] == 600
    db = sqlite3.connect(tmp_path / "bench.sqlite3")
    codes = [row[0] for row in db.execute("SELECT credit_code FROM customers_customer")]
    assert len(codes) == 200 and len(set(codes)) == 200
    for code in codes:
        validate_credit_code(code)

    measured = {r["name"]: r for r in out["results"]}
    for name in ("page customer-list sales", "page customer-list manager", "page customer-detail 500 visits"):
        r = measured[name]
        assert r["median_ms"] > 0 and r["queries"] > 0 and r["framework_floor_ms"] > 0
        assert r["verdict"]
    assert all(s["reason"] for s in out["skipped"])
    assert "| measurement |" in stdout

    # A second run reuses the seeded database and measures only what --only names.
    _stdout, again = run_bench(tmp_path, "--only", "customer-list-sales")
    assert again["seed"]["customers"].get("reused") is True
    assert {r["name"] for r in again["results"]} == {
        "page customer-list sales",
        "page customer-list sales search",
        "page customer-list sales filter",
    }
