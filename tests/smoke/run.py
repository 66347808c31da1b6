"""The smoke test of the production topology (`make smoke`, started by scripts/smoke.sh).

Without Docker, it starts what docker-compose.yml starts: gunicorn, a Celery worker and one
Celery beat, against a fresh PostgreSQL database and a dedicated Redis database, with DEBUG off
and production settings. Then:
 1. beat starts and catches up a job whose watermark says it missed its run;
 2. a salesperson logs in (CSRF, session cookie), creates a customer, writes a visit report;
 3. a job sent through Redis notifies the salesperson, who sees it; its e-mail goes out once;
 4. the worker is killed (SIGKILL of all its processes) in the middle of a slow job and started
    again: the job is redelivered, completes, and each notification exists and is e-mailed once;
 5. a pool process is killed in the middle of the next run: requeued at once, same result;
 6. a notification whose on-commit send was lost is delivered by the outbox sweep.
Everything is torn down at the end, whatever happened. Exit status 0 only if every check held.

    .venv/bin/python -m tests.smoke.run     (from the repository root; see scripts/smoke.sh)
"""

import datetime as dt
import os
import re
import secrets
import signal
import socket
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from .browser import Session, SmokeFailure
from .procs import BIN, ROOT, Proc, run, wait_for

PG_SERVER = os.environ.get("SMOKE_PG_URL", "postgres://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("SMOKE_DB_NAME", "crm_smoke")
REDIS_URL = os.environ.get("SMOKE_REDIS_URL", "redis://127.0.0.1:6379/9")
SLOW_SECONDS = 6
VISIBILITY_TIMEOUT = 20  # seconds; the smoke job limit below is shorter, as in production
JOB_TIME_LIMIT = 15
TITLE = "smoke job"


def step(message: str) -> None:
    print(f"--- {message}", flush=True)


def ok(message: str) -> None:
    print(f"    ok: {message}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_url(dbname: str) -> str:
    parts = urllib.parse.urlsplit(PG_SERVER)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, f"/{dbname}", parts.query, ""))


class Smoke:
    def __init__(self, workdir: Path):
        self.dir = workdir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.procs: list[Proc] = []
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/tmp"),
            "LANG": "C.UTF-8",
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "tests.smoke.settings",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": self.base,
            "DATABASE_URL": server_url(DB_NAME),
            "REDIS_URL": REDIS_URL,
            "CRM_VAR_DIR": str(workdir / "var"),
            "STATIC_ROOT": str(workdir / "static"),
            "MEDIA_ROOT": str(workdir / "media"),
            "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
            "CELERY_JOB_TIME_LIMIT": str(JOB_TIME_LIMIT),
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "WEB_CONCURRENCY": "2",
            "SMOKE_DIR": str(workdir),
            "SMOKE_SLOW_SECONDS": str(SLOW_SECONDS),
        }

    # --- set-up and tear-down ---------------------------------------------------------------
    def manage(self, *args: str, timeout: float) -> str:
        return run(
            [str(BIN / "python"), "manage.py", *args],
            env=self.env,
            timeout=timeout,
            what=f"manage.py {' '.join(args)}",
        )

    def prepare_stores(self) -> None:
        import psycopg
        import redis

        step(f"fresh database {DB_NAME}, Redis {REDIS_URL} flushed")
        try:
            with psycopg.connect(server_url("postgres"), autocommit=True, connect_timeout=5) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{DB_NAME}"')
        except psycopg.Error as exc:
            raise SmokeFailure(f"PostgreSQL at {PG_SERVER} is not usable: {exc}") from exc
        try:
            redis.Redis.from_url(REDIS_URL, socket_connect_timeout=5).flushdb()
        except redis.RedisError as exc:
            raise SmokeFailure(f"Redis at {REDIS_URL} is not usable: {exc}") from exc

    def teardown(self) -> None:
        import psycopg
        import redis

        for proc in reversed(self.procs):
            proc.stop()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: S110 (Django may not be set up yet)
            pass
        try:
            with psycopg.connect(server_url("postgres"), autocommit=True, connect_timeout=5) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
            redis.Redis.from_url(REDIS_URL, socket_connect_timeout=5).flushdb()
        except Exception as exc:
            print(f"teardown: {exc}", file=sys.stderr)

    def start(self, name: str, *args: str) -> Proc:
        proc = Proc(name, list(args), env=self.env, workdir=self.dir)
        self.procs.append(proc)
        return proc

    def start_worker(self, name: str) -> Proc:
        worker = self.start(
            name,
            str(BIN / "celery"),
            "-A",
            "crm",
            "worker",
            "--loglevel=INFO",
            "--concurrency=2",
            f"--hostname={name}@%h",
            "--without-mingle",
            "--without-gossip",
        )
        worker.wait_log(" ready.", timeout=40)
        return worker

    # --- the checks -------------------------------------------------------------------------
    def install(self) -> None:
        step("migrate, collectstatic, seed_demo (DEBUG off, production settings)")
        self.manage("migrate", "--noinput", timeout=150)
        self.manage("collectstatic", "--noinput", timeout=90)
        out = self.manage("seed_demo", timeout=150)
        ok(out.strip().splitlines()[-1])
        import django

        os.environ.update(self.env)
        django.setup()
        from django.conf import settings

        assert not settings.DEBUG
        self.password = settings.DEMO_PASSWORD

    def start_topology(self) -> None:
        from crm.models import JobState

        step("a job that missed its run yesterday (watermark two days old)")
        self.t_start = dt.datetime.now(dt.UTC)
        JobState.objects.update_or_create(
            name="archive-update-reminders",
            defaults={"last_success_at": self.t_start - dt.timedelta(days=2)},
        )
        step(f"gunicorn on {self.base}, a Celery worker, one Celery beat")
        self.web = self.start(
            "web",
            str(BIN / "gunicorn"),
            "-c",
            "deploy/gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{self.port}",
            "crm.wsgi:application",
        )
        self.worker = self.start_worker("worker1")
        self.beat = self.start(
            "beat",
            str(BIN / "celery"),
            "-A",
            "crm",
            "beat",
            "--loglevel=INFO",
            f"--schedule={self.dir / 'celerybeat-schedule'}",
        )
        self.beat.wait_log("beat: Starting", timeout=30)
        wait_for("gunicorn to answer", self.web_answers, timeout=40)
        ok("all three up")

    def web_answers(self) -> bool:
        if not self.web.alive():
            raise SmokeFailure(f"gunicorn exited; see {self.web.log_path}")
        try:
            return Session(self.base, timeout=3).request("GET", "/login/").status == 200
        except OSError:
            return False

    def beat_catches_up(self) -> None:
        from crm.models import JobState

        step("beat catch-up: the missed job runs at beat start")
        wait_for(
            "archive-update-reminders to be caught up",
            lambda: (
                (s := JobState.objects.get(name="archive-update-reminders")).last_success_at
                and s.last_success_at > self.t_start
            ),
            timeout=45,
        )
        ok(f"summary {JobState.objects.get(name='archive-update-reminders').last_summary}")

    def salesperson_works(self) -> None:
        from django.urls import NoReverseMatch, reverse

        from customers.models import Customer
        from customers.validators import credit_code_check_char

        step("salesperson sales_east_1: log in, create a customer, write a visit report")
        self.sales = Session(self.base)
        self.sales.login("sales_east_1", self.password)
        home = self.sales.get("/")
        self.check_headers(home)
        ok("logged in with CSRF and a secure-headers response")

        page = self.sales.get(reverse("customers:create"))
        body = f"91310115{secrets.randbelow(10**9):09d}"
        code = body + credit_code_check_char(body)
        self.customer_name = f"冒烟测试{secrets.token_hex(3).upper()}机械有限公司"
        form = page.form_with("credit_code")
        industry = [v for v in form.options.get("industry", []) if v]
        resp = self.sales.submit(
            page,
            form,
            name=self.customer_name,
            short_name="冒烟测试",
            credit_code=code,
            province="上海市",
            city="上海市",
            phone="13812345678",
            **({"industry": industry[0]} if industry else {}),
        )
        match = re.search(r"/customers/(\d+)/", resp.location)
        if not match:
            raise SmokeFailure(f"creating a customer redirected to {resp.location!r}")
        self.customer = Customer.objects.get(pk=int(match.group(1)))
        assert self.customer.name == self.customer_name and self.customer.owner.username == "sales_east_1"
        detail = self.sales.get(resp.location)
        assert self.customer_name in detail.text
        ok(f"customer {self.customer.pk} created and shown")

        try:
            report_url = reverse("visits:report_create")
        except NoReverseMatch:
            print("    skipped: the visits app has no report form yet (visits:report_create)")
            return
        from visits.models import VisitReport

        page = self.sales.get(f"{report_url}?customer={self.customer.pk}")
        form = page.form_with("visited_on")
        resp = self.sales.submit(page, form, latest_needs="需要一批液压泵，下月报价。", mode="onsite")
        report = VisitReport.objects.filter(customer=self.customer).get()
        self.sales.get(resp.location)
        self.customer.refresh_from_db()
        ok(f"visit report {report.pk} saved; last on-site visit {self.customer.last_onsite_visit_on}")

    def job_through_the_broker(self) -> None:
        from celery import current_app

        from crm.models import Notification
        from customers.models import Customer

        step("a job sent through Redis notifies the owner; the e-mail goes out once")
        overdue = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
        Customer.objects.filter(pk=self.customer.pk).update(created_at=overdue, last_confirmed_at=overdue)
        current_app.send_task("crm.run_job", args=["archive-update-reminders"])
        reminder = wait_for(
            "the archive reminder of the new customer",
            lambda: Notification.objects.filter(
                recipient__username="sales_east_1",
                dedup_key__startswith=f"archive-update:{self.customer.pk}:",
            ).first(),
            timeout=30,
        )
        wait_for(
            "its e-mail",
            lambda: Notification.objects.filter(pk=reminder.pk, emailed_at__isnull=False).exists(),
            timeout=30,
        )
        # A reminder goes into the daily digest (issue 16): the centre lists it under 汇总提醒.
        page = self.sales.get("/notifications/?scope=digest")
        if self.customer_name not in page.text:
            raise SmokeFailure("the reminder is not on the salesperson's notifications page")
        ok(f"notification {reminder.pk} arrived and was e-mailed")

    def attempts(self) -> list[tuple[int, str]]:
        path = self.dir / "attempts"
        if not path.exists():
            return []
        return [
            (int(pid), period) for pid, period in (line.split() for line in path.read_text().splitlines())
        ]

    def lock_is_free(self, name: str) -> bool:
        from django.db import connection

        from crm.jobs import advisory_lock_key

        key = advisory_lock_key(name)
        with connection.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(%s)", [key])
            free = cur.fetchone()[0]
            if free:
                cur.execute("SELECT pg_advisory_unlock(%s)", [key])
        return free

    def started_run(self, count: int) -> tuple[int, str]:
        wait_for(
            f"attempt {count} of the slow job", lambda: len(self.attempts()) >= count, timeout=30, every=0.2
        )
        return self.attempts()[count - 1]

    def check_slow_run(self, period: str, *, attempts: int) -> None:
        from crm.models import JobState, Notification

        for phase in ("started", "finished"):
            key = f"smoke-slow:{period}:{phase}"
            note = wait_for(
                f"the {phase!r} notification of run {period}",
                lambda key=key: Notification.objects.filter(dedup_key=key).first(),
                timeout=60,
            )
            wait_for(
                f"the e-mail of {key}",
                lambda pk=note.pk: Notification.objects.filter(pk=pk, emailed_at__isnull=False).exists(),
                timeout=30,
            )
            count = Notification.objects.filter(dedup_key=key).count()
            if count != 1:
                raise SmokeFailure(f"{key}: {count} notifications, expected exactly 1")
            subject = f"Subject: {TITLE} {phase} {period}"
            sent = sum(p.log_text().count(subject) for p in self.procs if p.name.startswith("worker"))
            if sent != 1:
                raise SmokeFailure(f"{key}: e-mailed {sent} times, expected exactly once")
        runs = [p for _, p in self.attempts() if p == period]
        if len(runs) != attempts:
            raise SmokeFailure(f"run {period}: {len(runs)} attempts, expected {attempts}")
        state = JobState.objects.get(name="smoke-slow")
        if state.last_summary != {"period": period} or state.last_error:
            raise SmokeFailure(f"smoke-slow did not complete: {state.last_summary} {state.last_error}")
        if not self.lock_is_free("smoke-slow"):
            raise SmokeFailure("the lock of smoke-slow is still held after the run")

    def worker_killed_mid_job(self) -> None:
        from celery import current_app

        from crm.models import Notification

        step("SIGKILL the whole worker in the middle of a slow job, start it again")
        current_app.send_task("crm.run_job", args=["smoke-slow"])
        _, period = self.started_run(1)
        wait_for(
            "the job's first notification",
            lambda: Notification.objects.filter(dedup_key=f"smoke-slow:{period}:started").exists(),
            timeout=10,
        )
        if self.lock_is_free("smoke-slow"):
            raise SmokeFailure("the running job does not hold its lock")
        self.worker.kill_group()
        if Notification.objects.filter(dedup_key=f"smoke-slow:{period}:finished").exists():
            raise SmokeFailure("the slow job finished before the worker was killed")
        wait_for(
            "PostgreSQL to release the lock of the killed worker",
            lambda: self.lock_is_free("smoke-slow"),
            timeout=10,
            every=0.2,
        )
        ok("worker killed mid-job; its lock released by the server")
        self.worker = self.start_worker("worker2")
        self.check_slow_run(period, attempts=2)
        manager = Session(self.base)
        manager.login("manager_east", self.password)
        page = manager.get("/notifications/")
        if f"{TITLE} finished {period}" not in page.text:
            raise SmokeFailure("manager_east does not see the job's notification")
        ok(
            "redelivered after the visibility timeout, completed; each notification and e-mail exactly once; "
            "the manager sees it"
        )

    def pool_process_killed_mid_job(self) -> None:
        from celery import current_app

        step("SIGKILL the pool process running the next run: requeued at once")
        current_app.send_task("crm.run_job", args=["smoke-slow"])
        pid, period = self.started_run(3)
        if period == self.attempts()[0][1]:
            raise SmokeFailure("the second run did not move on from the first run's watermark")
        os.kill(pid, signal.SIGKILL)
        self.check_slow_run(period, attempts=2)
        ok("rerun at once (reject_on_worker_lost), completed, nothing twice")

    def outbox_sweep(self) -> None:
        from celery import current_app

        from crm.models import Notification, User

        step("a notification whose on-commit send was lost: delivered by the outbox sweep")
        lost = Notification.objects.create(
            recipient=User.objects.get(username="manager_east"), kind="smoke", title="smoke outbox"
        )
        current_app.send_task("crm.run_job", args=["notification-outbox"])
        wait_for(
            "the outbox sweep",
            lambda: Notification.objects.filter(pk=lost.pk, emailed_at__isnull=False).exists(),
            timeout=30,
        )
        ok("e-mailed by the sweep")

    def logs_are_clean(self) -> None:
        step("no server error in the web log")
        text = self.web.log_text()
        if "Traceback" in text or '" 500 ' in text:
            raise SmokeFailure(f"server errors in {self.web.log_path}")
        ok("none")

    @staticmethod
    def check_headers(resp) -> None:
        headers = resp.headers
        for name in (
            "content-security-policy",
            "x-frame-options",
            "x-content-type-options",
            "referrer-policy",
        ):
            if name not in headers:
                raise SmokeFailure(f"response without {name}")

    def run(self) -> None:
        self.prepare_stores()
        self.install()
        self.start_topology()
        self.beat_catches_up()
        self.salesperson_works()
        self.job_through_the_broker()
        self.worker_killed_mid_job()
        self.pool_process_killed_mid_job()
        self.outbox_sweep()
        self.logs_are_clean()

    def show_logs(self) -> None:
        for proc in self.procs:
            lines = proc.log_text().splitlines()[-25:]
            print(f"\n===== last lines of {proc.log_path.name}", file=sys.stderr)
            print("\n".join(lines), file=sys.stderr)


def main() -> int:
    # `timeout` in scripts/smoke.sh sends SIGTERM: turn it into an exception so that the
    # tear-down below still runs.
    def interrupted(signum, frame):
        raise SmokeFailure(f"stopped by signal {signum} (out of time? SMOKE_TIMEOUT)")

    signal.signal(signal.SIGTERM, interrupted)
    workdir = Path(os.environ.get("SMOKE_DIR") or tempfile.mkdtemp(prefix="crm-smoke-"))
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    smoke = Smoke(workdir)
    try:
        smoke.run()
    except (SmokeFailure, AssertionError, Exception) as exc:
        import traceback

        smoke.show_logs()
        print(f"\nSMOKE TEST FAILED after {time.monotonic() - started:.0f}s: {exc}", file=sys.stderr)
        if not isinstance(exc, SmokeFailure):
            traceback.print_exc()
        return 1
    finally:
        step("tear-down: processes stopped, database dropped, Redis db flushed")
        smoke.teardown()
    print(f"\nsmoke test passed in {time.monotonic() - started:.0f}s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
