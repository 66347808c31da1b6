"""The job runner: lock, watermark, catch-up, the runjob command, and Celery's reliability."""

import datetime as dt
import io
from unittest import mock

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import CommandError, call_command
from kombu.exceptions import OperationalError as BrokerDown

from crm import jobs, services, tasks
from crm.celery import app
from crm.db import vendor_is_postgresql
from crm.models import JobState, Notification

calls: list[tuple[dt.datetime, dt.datetime | None]] = []
EVENTS: list[dt.datetime] = []  # things that fall due at a time, for the catch-up job below


def recording_job(*, now, since):
    calls.append((now, since))
    return {"ok": len(calls)}


def failing_job(*, now, since):
    calls.append((now, since))
    raise RuntimeError("SMTP down")


def due_events_job(*, now, since):
    """Processes every event due in (since, now]: what a missed run must catch up on."""
    done = [e for e in EVENTS if (since is None or e > since) and e <= now]
    calls.append((now, since))
    return {"processed": len(done)}


def lock_probe_job(*, now, since):
    """Tries to run itself while running: the lock must refuse."""
    with pytest.raises(jobs.JobAlreadyRunning):
        jobs.run_job("probe", now=now)
    return {"probed": 1}


@pytest.fixture
def fake_jobs(settings):
    calls.clear()
    EVENTS.clear()
    settings.CRM_JOBS = {
        **settings.CRM_JOBS,
        "fake": "tests.crm.test_jobs.recording_job",
        "broken": "tests.crm.test_jobs.failing_job",
        "events": "tests.crm.test_jobs.due_events_job",
        "probe": "tests.crm.test_jobs.lock_probe_job",
    }
    return settings


T0 = dt.datetime(2026, 11, 2, 0, 0, tzinfo=dt.UTC)  # 08:00 in Shanghai


@pytest.mark.django_db
def test_watermark_is_the_start_of_the_last_success(fake_jobs):
    with time_machine.travel(T0, tick=False):
        assert jobs.run_job("fake") == {"ok": 1}
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        assert jobs.run_job("fake") == {"ok": 2}
    assert calls == [(T0, None), (T0 + dt.timedelta(hours=1), T0)]
    state = JobState.objects.get(name="fake")
    assert state.last_success_at == T0 + dt.timedelta(hours=1)
    assert state.last_summary == {"ok": 2} and state.running_since is None and state.last_error == ""


@pytest.mark.django_db
def test_a_failure_keeps_the_watermark_and_the_next_run_redoes_the_period(fake_jobs):
    jobs.run_job("events", now=T0)
    fake_jobs.CRM_JOBS["events"] = "tests.crm.test_jobs.failing_job"
    with pytest.raises(RuntimeError):
        jobs.run_job("events", now=T0 + dt.timedelta(days=1))
    state = JobState.objects.get(name="events")
    assert state.last_success_at == T0
    assert "SMTP down" in state.last_error and state.running_since is None
    fake_jobs.CRM_JOBS["events"] = "tests.crm.test_jobs.due_events_job"
    EVENTS.extend([T0 + dt.timedelta(hours=3), T0 + dt.timedelta(days=1, hours=3)])
    # The run after the failure still starts from T0: nothing of the failed day is lost.
    assert jobs.run_job("events", now=T0 + dt.timedelta(days=2)) == {"processed": 2}
    assert calls[-1][1] == T0
    assert JobState.objects.get(name="events").last_error == ""


@pytest.mark.django_db
def test_a_run_after_days_of_downtime_processes_everything_once(fake_jobs):
    EVENTS.extend(T0 + dt.timedelta(days=d, hours=1) for d in range(5))
    assert jobs.run_job("events", now=T0 + dt.timedelta(hours=2)) == {"processed": 1}
    # beat down for three days: the next run takes the three missed days, then nothing twice
    assert jobs.run_job("events", now=T0 + dt.timedelta(days=3, hours=2)) == {"processed": 3}
    assert jobs.run_job("events", now=T0 + dt.timedelta(days=3, hours=3)) == {"processed": 0}


@pytest.mark.django_db
def test_a_job_cannot_run_twice_at_once(fake_jobs):
    assert jobs.run_job("probe", now=T0) == {"probed": 1}
    # and the lock is free again afterwards, also after a failure
    with pytest.raises(RuntimeError):
        jobs.run_job("broken", now=T0)
    assert jobs.run_job("fake", now=T0) == {"ok": 2}
    fake_jobs.CRM_JOBS["broken"] = "tests.crm.test_jobs.recording_job"
    assert jobs.run_job("broken", now=T0) == {"ok": 3}


@pytest.mark.django_db
def test_sqlite_claim_of_a_dead_run_goes_stale_after_the_time_limit(fake_jobs):
    if vendor_is_postgresql():
        pytest.skip("PostgreSQL uses an advisory lock (test_jobs_postgres.py)")
    JobState.objects.create(name="fake", running_since=T0)
    with pytest.raises(jobs.JobAlreadyRunning):
        jobs.run_job("fake", now=T0 + dt.timedelta(minutes=30))
    limit = dt.timedelta(seconds=django_settings.CELERY_JOB_TIME_LIMIT)
    assert jobs.run_job("fake", now=T0 + limit + dt.timedelta(seconds=1)) == {"ok": 1}


@pytest.mark.django_db
def test_the_task_skips_a_job_that_is_already_running(fake_jobs):
    with mock.patch.object(jobs, "run_job", side_effect=jobs.JobAlreadyRunning("fake")):
        assert tasks.run_job.delay("fake").get() == {"skipped": "already running"}


@pytest.mark.django_db
def test_catch_up_finds_the_jobs_whose_schedule_was_missed():
    # archive-update-reminders runs daily at 06:45 Shanghai time (22:45 UTC).
    last = dt.datetime(2026, 11, 1, 22, 45, 3, tzinfo=dt.UTC)
    JobState.objects.create(name="archive-update-reminders", last_success_at=last)
    JobState.objects.create(name="notification-outbox", last_success_at=last)
    JobState.objects.create(name="overdue-visits")  # never succeeded: its schedule starts it
    next_day = last + dt.timedelta(days=1)
    assert jobs.jobs_due_for_catch_up(now=next_day - dt.timedelta(minutes=5)) == ["notification-outbox"]
    # just due: beat's own run is probably on its way, within the grace
    assert "archive-update-reminders" not in jobs.jobs_due_for_catch_up(
        now=next_day + dt.timedelta(minutes=10)
    )
    assert "archive-update-reminders" in jobs.jobs_due_for_catch_up(now=next_day + dt.timedelta(hours=1))
    assert "overdue-visits" not in jobs.jobs_due_for_catch_up(now=next_day + dt.timedelta(days=5))


@pytest.mark.django_db
def test_catch_up_task_runs_the_missed_jobs_once(fake_jobs):
    fake_jobs.CELERY_BEAT_SCHEDULE = {
        "fake": {
            "task": "crm.run_job",
            "schedule": django_settings.CELERY_BEAT_SCHEDULE["overdue-visits"]["schedule"],
            "args": ["fake"],
        },
    }
    with time_machine.travel(T0 - dt.timedelta(days=2), tick=False):
        jobs.run_job("fake")
    with time_machine.travel(T0, tick=False):
        assert tasks.jobs_catch_up.delay().get() == ["fake"]
        assert tasks.jobs_catch_up.delay().get() == []
    assert [since for _, since in calls] == [None, T0 - dt.timedelta(days=2)]


@pytest.mark.django_db
def test_runjob_prints_the_summary(fake_jobs):
    out = io.StringIO()
    call_command("runjob", "fake", stdout=out)
    assert out.getvalue().strip() == "fake: {'ok': 1}"
    out = io.StringIO()
    call_command("runjob", "--list", stdout=out)
    assert "archive-update-reminders" in out.getvalue().split() and "fake" in out.getvalue().split()


@pytest.mark.django_db
def test_runjob_names_an_unknown_job_and_a_running_one(fake_jobs):
    with pytest.raises(CommandError, match="unknown job 'nope'; known: .*overdue-visits"):
        call_command("runjob", "nope")
    with pytest.raises(jobs.UnknownJob):
        jobs.run_job("nope")
    with (
        mock.patch.object(jobs, "run_job", side_effect=jobs.JobAlreadyRunning("fake")),
        pytest.raises(CommandError, match="already running"),
    ):
        call_command("runjob", "fake")


@pytest.mark.django_db
def test_a_broker_down_at_commit_leaves_the_email_to_the_outbox_sweep(
    salesperson, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(
            tasks.notification_emails_send, "delay", side_effect=BrokerDown("Connection refused")
        ),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        created = services.notification_send(
            recipients=[salesperson], kind="t", title="客户档案待确认", dedup_key="x1"
        )
    assert len(callbacks) == 1 and len(created) == 1  # the commit went through, the send failed quietly
    note = Notification.objects.get(recipient=salesperson, dedup_key="x1")
    assert note.emailed_at is None and mail.outbox == []
    # the periodic sweep (the notification-outbox job) delivers it, once
    assert jobs.run_job("notification-outbox") == {"sent": 1, "without_address": 0, "failed": 0}
    assert jobs.run_job("notification-outbox") == {"sent": 0, "without_address": 0, "failed": 0}
    assert [m.subject for m in mail.outbox] == ["客户档案待确认"]
    note.refresh_from_db()
    assert note.emailed_at is not None


def test_scheduled_work_is_acknowledged_late_and_requeued_when_the_worker_dies():
    for name in ("crm.run_job", "crm.jobs_catch_up", "crm.notification_emails_send"):
        task = app.tasks[name]
        assert task.acks_late and task.reject_on_worker_lost, name
    assert app.conf.task_time_limit == django_settings.CELERY_JOB_TIME_LIMIT
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit


def test_every_job_is_scheduled_and_every_scheduled_task_exists():
    scheduled = jobs.scheduled_jobs()
    assert set(scheduled) == set(django_settings.CRM_JOBS)
    for entry in django_settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks


def test_redis_visibility_timeout_outlasts_the_longest_job(monkeypatch):
    """With REDIS_URL, settings refuse a visibility timeout that a running job could outlast."""
    import subprocess
    import sys

    def settings_with(**env):
        code = (
            "import crm.settings as s, json;"
            "print(json.dumps([s.CELERY_BROKER_URL, s.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'],"
            " s.CELERY_TASK_TIME_LIMIT]))"
        )
        base = {"PATH": "/usr/bin:/bin", "DEBUG": "1", "CRM_VAR_DIR": "/tmp/crm-settings-test"}
        return subprocess.run(
            [sys.executable, "-c", code],
            env={**base, **env},
            capture_output=True,
            text=True,
            cwd=django_settings.BASE_DIR,
        )

    ok = settings_with(REDIS_URL="redis://127.0.0.1:6379/0")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == '["redis://127.0.0.1:6379/0", 7200, 3600]'
    bad = settings_with(REDIS_URL="redis://127.0.0.1:6379/0", CELERY_VISIBILITY_TIMEOUT="600")
    assert bad.returncode != 0 and "CELERY_VISIBILITY_TIMEOUT must be longer" in bad.stderr


@pytest.mark.django_db
def test_runjob_due_runs_what_never_ran_and_what_missed_a_run_once(fake_jobs):
    # make run calls `runjob --due`: a fresh demo gets its reminders without waiting for 07:00.
    fake_jobs.CELERY_BEAT_SCHEDULE = {
        "fake": {
            "task": "crm.run_job",
            "schedule": django_settings.CELERY_BEAT_SCHEDULE["overdue-visits"]["schedule"],
            "args": ["fake"],
        },
    }
    with time_machine.travel(T0, tick=False):
        assert jobs.jobs_due_at_start() == ["fake"]
        call_command("runjob", "--due", stdout=io.StringIO())
        assert jobs.jobs_due_at_start() == []
        call_command("runjob", "--due", stdout=io.StringIO())
    assert len(calls) == 1
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        assert jobs.jobs_due_at_start() == ["fake"]


def test_the_embedded_broker_names_a_host_so_kombu_does_not_warn():
    if django_settings.CELERY_BROKER_URL.startswith("filesystem"):
        assert django_settings.CELERY_BROKER_URL == "filesystem://localhost/"
    assert django_settings.AXES_VERBOSE is False


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.ico")
