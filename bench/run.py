"""The benchmark at company scale (issue 9): `make bench` or `.venv/bin/python bench/run.py`.

Seeds (once) a PostgreSQL database of its own with 100,000 customers, 1,000,000 visit
reports, ..., then measures the pages people open all day and the nightly jobs against their
floors, writes bench/results.json and prints a table. See bench/README.md for how to read it.

Options: --reseed (drop and seed again), --quick (fewer repetitions), --only NAME[,NAME]
(measurements whose name starts with one of them), --scale F (1.0 = company scale; the test
uses a toy scale on SQLite), --database URL (default $DATABASE_URL, else
postgres://postgres@127.0.0.1:5432/crm_bench), --output FILE, --concurrent (also 50 users over
gunicorn for 60 s: bench/loadtest.py; --users N, --duration S).
"""

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/crm_bench"


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reseed", action="store_true", help="drop the bench database and seed it again")
    p.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run)")
    p.add_argument("--only", default="", help="comma-separated name prefixes of the measurements to run")
    p.add_argument("--scale", type=float, default=1.0, help="1.0 = 100,000 customers (issue 9)")
    p.add_argument("--database", default=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE)
    p.add_argument("--output", default=str(ROOT / "bench" / "results.json"))
    p.add_argument(
        "--concurrent",
        action="store_true",
        help="also the concurrent run: 50 users over gunicorn on a loopback port (bench/loadtest.py)",
    )
    p.add_argument("--users", type=int, default=50, help="simulated users of --concurrent")
    p.add_argument("--duration", type=int, default=60, help="seconds of --concurrent (at most 60)")
    p.add_argument("--import-worker", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def configure_environment(database: str) -> None:
    """Production settings against the bench database; must run before Django is imported."""
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz")
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ.setdefault("CRM_VAR_DIR", str(ROOT / "var" / "bench"))
    os.environ["AXES_ENABLED"] = "1"
    # WhiteNoise warns when STATIC_ROOT is missing; the bench does not collect static files.
    (Path(os.environ["CRM_VAR_DIR"]) / "staticfiles").mkdir(parents=True, exist_ok=True)


def ensure_database(database: str, *, reseed: bool) -> None:
    """Create the PostgreSQL database if it is missing (drop it first with --reseed)."""
    parts = urlsplit(database)
    if not parts.scheme.startswith("postgres"):
        if reseed and parts.path:
            Path(parts.path).unlink(missing_ok=True)
        return
    import psycopg
    from psycopg import sql

    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reseed:
            refuse_foreign_database(database)
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def refuse_foreign_database(database: str) -> None:
    """Never drop or fill a database that the bench did not create (a DATABASE_URL left pointing
    at a real CRM): it must have no customers, or the bench's own bookkeeping table."""
    import psycopg

    with psycopg.connect(database) as conn:
        ours = conn.execute("SELECT to_regclass('bench_meta') IS NOT NULL").fetchone()[0]
        has_customers = conn.execute("SELECT to_regclass('customers_customer') IS NOT NULL").fetchone()[0]
        if (
            has_customers
            and not ours
            and conn.execute("SELECT EXISTS (SELECT 1 FROM customers_customer)").fetchone()[0]
        ):
            raise SystemExit(
                f"{database} holds customers that the bench did not seed; give the bench a database "
                "of its own (DATABASE_URL=.../crm_bench)."
            )


def machine() -> dict:
    from django.db import connection

    from crm.db import vendor_is_postgresql

    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    with connection.cursor() as cur:
        if vendor_is_postgresql():
            cur.execute("SHOW server_version")
            db = "PostgreSQL " + cur.fetchone()[0]
        else:
            db = f"SQLite {connection.Database.sqlite_version}"
    import django

    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "database": db,
        "python": platform.python_version(),
        "django": django.get_version(),
        "platform": platform.platform(),
    }


def vacuum_analyze() -> float | None:
    """VACUUM ANALYZE before measuring: autovacuum may be off (or behind) on a developer's server,
    and fresh statistics and visibility maps are what production has (issue 21)."""
    from django.db import connection

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("VACUUM ANALYZE")
        elif connection.vendor == "sqlite":
            cur.execute("ANALYZE")
        else:
            return None
    seconds = round(time.perf_counter() - t0, 1)
    print(f"VACUUM ANALYZE in {seconds} s")
    return seconds


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    configure_environment(args.database)
    if args.import_worker:
        from bench import imports

        return imports.worker()
    ensure_database(args.database, reseed=args.reseed)
    if args.database.startswith("postgres"):
        refuse_foreign_database(args.database)
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from bench import report, seed, suite

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    print(f"migrated in {time.perf_counter() - t0:.1f} s; seeding (parts already seeded are reused)")
    now = timezone.now()
    scale = seed.Scale.of(args.scale)
    t0 = time.perf_counter()
    seeded = seed.seed_all(now=now, scale=scale)
    seed_seconds = round(time.perf_counter() - t0, 1)
    print(f"seed ready in {seed_seconds} s")
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    vacuum_seconds = vacuum_analyze()
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    results, skipped = suite.run(
        now=now, quick=args.quick, only=only, scale=args.scale, database=args.database
    )
    measure_seconds = round(time.perf_counter() - t0, 1)
    concurrent_out = None
    if args.concurrent:
        from bench import loadtest

        print(
            f"concurrent run: {args.users} users over gunicorn for {min(args.duration, 60)} s ...", flush=True
        )
        concurrent_out = loadtest.run(users=args.users, seconds=args.duration)
    out = {
        "at": now.isoformat(timespec="seconds"),
        "machine": machine(),
        "scale": scale.__dict__,
        "seed": seeded,
        "seed_seconds": seed_seconds,
        "measure_seconds": measure_seconds,
        "vacuum_seconds": vacuum_seconds,
        # Other processes on the machine slow every number down: a load above the core count
        # during the run means the timings are pessimistic.
        "load_average": {
            "before": [round(x, 2) for x in load_before],
            "after": [round(x, 2) for x in os.getloadavg()],
        },
        "quick": args.quick,
        "results": [r.__dict__ for r in results],
        "skipped": skipped,
        "concurrent": concurrent_out,
    }
    Path(args.output).write_text(json.dumps(out, ensure_ascii=False, indent=2, default=str))
    print(report.table(out))
    print(f"\nwritten {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
