"""The concurrent run (issue 21): `bench/run.py --concurrent` (named loadtest: a module `concurrent` in bench/ would hide the standard library's).

Starts gunicorn on a free loopback port against the bench database, then 50 simulated users
(threads, each with its own `requests` session and a salesperson's login) browse the customer
list, open their customers and post visit reports (with the form's CSRF token and one-time
submission key; every fifth report is sent twice, as a double tap would) for at most 60 s.
Reports requests per second, p50/p95 per kind of request, errors, and whether every report
that answered with a redirect is stored exactly once (counted in the database afterwards).
The reports it stores carry a marker in `latest_needs` and are deleted at the end.
"""

import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
KEY = re.compile(r'name="submission_key" value="([^"]+)"')
REPORT = re.compile(r"/visits/reports/(\d+)/")
MAX_SECONDS = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def personas(n_users: int) -> list[dict]:
    """One logged-in session per salesperson (force_login writes it to the session store), each
    with up to 20 of their customers; the simulated users take them in turn."""
    from django.test import Client

    from bench import seed
    from crm.models import User
    from customers.models import Customer

    out = []
    for dept, _label in seed.DEPARTMENTS:
        for k in range(1, seed.SALES_PER_DEPARTMENT + 1):
            user = User.objects.filter(username=seed.sales_username(dept, k)).first()
            if user is None:
                continue
            ids = list(Customer.objects.filter(owner=user).order_by("pk").values_list("pk", flat=True)[:20])
            if not ids:
                continue
            c = Client()
            c.force_login(user)
            out.append({"user_id": user.pk, "session": c.cookies["sessionid"].value, "customers": ids})
    if not out:
        raise RuntimeError("no seeded salesperson owns customers")
    return [out[i % len(out)] for i in range(n_users)]


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.samples = defaultdict(list)
        self.errors = defaultdict(int)
        self.error_samples: list[str] = []
        self.posts_ok: list[str] = []  # markers of reports answered with a redirect to the report
        self.report_ids: list[int] = []

    def record(self, kind: str, seconds: float, ok: bool, detail: str = ""):
        with self.lock:
            if seconds is not None:
                self.samples[kind].append(seconds)
            if not ok:
                self.errors[kind] += 1
                if len(self.error_samples) < 5:
                    self.error_samples.append(f"{kind}: {detail}"[:200])


def simulated_user(
    base: str, persona: dict, deadline: float, stats: Stats, run_id: str, today: str, seed_: int
):
    import requests

    from visits.forms import NEXT_STEP_ROWS

    rnd = random.Random(seed_)
    s = requests.Session()
    s.cookies.set("sessionid", persona["session"])
    posts = 0

    def call(kind, method, path, **kw):
        t0 = time.perf_counter()
        try:
            r = s.request(method, base + path, allow_redirects=False, timeout=30, **kw)
        except requests.RequestException as exc:
            stats.record(kind, time.perf_counter() - t0, False, repr(exc))
            return None
        ok = r.status_code in (200, 302) and not (
            r.status_code == 302 and "/login" in r.headers.get("Location", "")
        )
        stats.record(kind, time.perf_counter() - t0, ok, f"{r.status_code} {path}")
        return r if ok else None

    while time.perf_counter() < deadline:
        customer = rnd.choice(persona["customers"])
        action = rnd.random()
        if action < 0.4:
            call("GET customer list", "GET", f"/customers/?page={rnd.randint(1, 3)}")
        elif action < 0.8:
            call("GET customer page", "GET", f"/customers/{customer}/")
        else:
            form = call("GET visit report form", "GET", f"/visits/reports/new/?customer={customer}")
            if form is None or form.status_code != 200:
                continue
            token, key = TOKEN.search(form.text), KEY.search(form.text)
            if not (token and key):
                stats.record("POST visit report", None, False, "form without CSRF token or submission key")
                continue
            marker = f"bench-load {run_id} {uuid.uuid4()}"
            data = {
                "csrfmiddlewaretoken": token.group(1),
                "submission_key": key.group(1),
                "customer": customer,
                "visited_on": today,
                "mode": "phone",
                "latest_needs": marker,
                "summary": "并发压测",
            }
            data.update({f"step_{i}_owner": persona["user_id"] for i in range(NEXT_STEP_ROWS)})
            posts += 1
            for attempt in range(2 if posts % 5 == 0 else 1):  # every fifth is sent twice
                r = call("POST visit report", "POST", "/visits/reports/new/", data=data)
                if r is None:
                    continue
                m = REPORT.search(r.headers.get("Location", ""))
                if r.status_code != 302 or not m:
                    stats.record("POST visit report", None, False, f"{r.status_code} {r.text[:120]!r}")
                elif attempt == 0:
                    with stats.lock:
                        stats.posts_ok.append(marker)
                        stats.report_ids.append(int(m.group(1)))


def pct(samples: list[float], q: float) -> float:
    s = sorted(samples)
    return round(s[min(len(s) - 1, max(0, round(q * len(s) + 0.5) - 1))] * 1000, 2) if s else 0.0


def wait_until_up(base: str, proc, timeout: float = 60) -> None:
    import requests

    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}: {proc.stderr.read()[-1500:]}")
        try:
            requests.get(base + "/__bench__/bare/", timeout=5, allow_redirects=False)
            return
        except requests.RequestException:
            time.sleep(0.5)
    raise RuntimeError("gunicorn did not answer within a minute")


def run(*, users: int = 50, seconds: int = MAX_SECONDS) -> dict:
    from django.db import connections
    from django.utils import timezone

    from visits.models import VisitReport

    try:
        import gunicorn  # noqa: F401
        import requests  # noqa: F401
    except ImportError as exc:
        return {"skipped": f"needs gunicorn and requests ({exc})"}
    seconds = min(seconds, MAX_SECONDS)
    people = personas(users)
    connections.close_all()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    workers, threads = max(2, min(8, 2 * (os.cpu_count() or 1))), 4
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "crm.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--timeout",
        "60",
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=os.environ.copy(), stderr=subprocess.PIPE, text=True)  # noqa: S603
    run_id = uuid.uuid4().hex[:8]
    stats = Stats()
    try:
        wait_until_up(base, proc)
        today = timezone.localdate().isoformat()
        started = time.perf_counter()
        deadline = started + seconds
        pool = [
            threading.Thread(
                target=simulated_user, args=(base, p, deadline, stats, run_id, today, i), daemon=True
            )
            for i, p in enumerate(people)
        ]
        for t in pool:
            t.start()
        for t in pool:
            t.join(timeout=seconds + 45)
        elapsed = time.perf_counter() - started
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    stored = VisitReport.objects.filter(latest_needs__startswith=f"bench-load {run_id} ")
    markers = list(stored.values_list("latest_needs", flat=True))
    rows = len(markers)
    stored_once = rows == len(stats.posts_ok) == len(set(markers)) and set(markers) == set(stats.posts_ok)
    try:
        stored.delete()  # the bench database keeps its size
    except Exception as exc:  # noqa: BLE001 - a protected relation: the rows stay, the run still counts
        stats.error_samples.append(f"cleanup: {exc.__class__.__name__}: {exc}"[:200])
    everything = [x for v in stats.samples.values() for x in v]
    return {
        "users": users,
        "seconds": round(elapsed, 1),
        "workers": workers,
        "threads": threads,
        "requests": len(everything),
        "rps": round(len(everything) / elapsed, 1) if elapsed else 0,
        "p50_ms": round(statistics.median(everything) * 1000, 2) if everything else 0,
        "p95_ms": pct(everything, 0.95),
        "errors": sum(stats.errors.values()),
        "posts_ok": len(stats.posts_ok),
        "rows_stored": rows,
        "stored_once": stored_once,
        "by_kind": {
            k: {
                "count": len(v),
                "p50_ms": round(statistics.median(v) * 1000, 2),
                "p95_ms": pct(v, 0.95),
                "errors": stats.errors.get(k, 0),
            }
            for k, v in sorted(stats.samples.items())
        },
        "error_samples": stats.error_samples,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
