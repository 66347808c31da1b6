"""The advisory lock of the job runner on a real PostgreSQL server (skipped on SQLite).

The lock must refuse a parallel run from another connection (another worker), and the server
must release it when the holding connection dies (a worker killed in the middle of a job).
"""

import signal
import subprocess
import sys
import time

import psycopg
import pytest
from django.db import connection

from crm import jobs
from crm.db import vendor_is_postgresql

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _postgres_only(monkeypatch):
    if not vendor_is_postgresql():
        pytest.skip("needs DATABASE_URL=postgres://...")
    monkeypatch.setattr(jobs, "LOCK_WAIT_SECONDS", 0.2)


def conninfo() -> str:
    s = connection.settings_dict
    return psycopg.conninfo.make_conninfo(
        dbname=s["NAME"],
        user=s["USER"] or None,
        password=s["PASSWORD"] or None,
        host=s["HOST"] or None,
        port=str(s["PORT"]) if s["PORT"] else None,
    )


def job(*, now, since):
    return {"ran": 1}


@pytest.fixture
def fake_job(settings):
    settings.CRM_JOBS = {**settings.CRM_JOBS, "pg-fake": "tests.crm.test_jobs_postgres.job"}


def probing_job(*, now, since):
    return {"free during the run": lock_is_free(jobs.advisory_lock_key("pg-probe"))}


def lock_is_free(key: int) -> bool:
    with psycopg.connect(conninfo(), autocommit=True) as other:
        free = other.execute("SELECT pg_try_advisory_lock(%s)", [key]).fetchone()[0]
        if free:
            other.execute("SELECT pg_advisory_unlock(%s)", [key])
        return free


def wait_until_free(key: int, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while not lock_is_free(key):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_another_connection_cannot_take_the_lock_while_a_job_runs(settings):
    settings.CRM_JOBS = {**settings.CRM_JOBS, "pg-probe": "tests.crm.test_jobs_postgres.probing_job"}
    assert jobs.run_job("pg-probe") == {"free during the run": False}
    assert lock_is_free(jobs.advisory_lock_key("pg-probe"))


def test_a_run_is_refused_while_another_worker_holds_the_lock(fake_job):
    key = jobs.advisory_lock_key("pg-fake")
    with psycopg.connect(conninfo(), autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [key])
        with pytest.raises(jobs.JobAlreadyRunning):
            jobs.run_job("pg-fake")
    # that worker's connection closed: the lock goes with it as soon as its backend exits
    assert wait_until_free(key)
    assert jobs.run_job("pg-fake") == {"ran": 1}


def hold_lock(key: int, *, seconds: float) -> subprocess.Popen:
    """Another process holding the lock (a worker), for `seconds` or until killed."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sys, time, psycopg\n"
                "c = psycopg.connect(sys.argv[1], autocommit=True)\n"
                "c.execute('SELECT pg_advisory_lock(%s)', [int(sys.argv[2])])\n"
                "print('locked', flush=True)\n"
                "time.sleep(float(sys.argv[3]))\n"
            ),
            conninfo(),
            str(key),
            str(seconds),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_a_redelivered_run_waits_for_the_lock_of_a_worker_that_is_dying(fake_job, monkeypatch):
    """A requeued job starts while the dead worker's session is still being closed."""
    monkeypatch.setattr(jobs, "LOCK_WAIT_SECONDS", 10)
    holder = hold_lock(jobs.advisory_lock_key("pg-fake"), seconds=1)
    try:
        started = time.monotonic()
        assert jobs.run_job("pg-fake") == {"ran": 1}
        assert time.monotonic() - started < 9
    finally:
        holder.kill()
        holder.wait(timeout=10)


def test_the_lock_of_a_killed_worker_is_released_by_the_server(fake_job):
    """SIGKILL a process holding the lock: no unlock ever runs, the server frees it anyway."""
    key = jobs.advisory_lock_key("pg-fake")
    holder = hold_lock(key, seconds=120)
    try:
        with pytest.raises(jobs.JobAlreadyRunning):
            jobs.run_job("pg-fake")
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        assert wait_until_free(key)
        assert jobs.run_job("pg-fake") == {"ran": 1}
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(timeout=10)
