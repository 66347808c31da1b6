"""Faults: a job killed half-way and run again, a task delivered twice, beat down over its time,
the broker down when an approval commits, the database connection lost mid-approval."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.db import OperationalError

from crm import db, jobs, tasks
from crm.models import AuditLog, JobState, Notification
from crm.services import notification_outbox_drain
from customers.models import Customer
from grading import services as grading_services
from grading.models import GradeChange, GradeProposal, ProposalState
from grading.services import proposals as proposals_module
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 10, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def overdue(salesperson, manager):
    """Eight grade-A customers whose on-site visit fell due on eight different days before NOW."""
    today = NOW.date()
    return [
        CustomerFactory(
            owner=salesperson,
            grade="A",
            grade_since=today - dt.timedelta(days=400),
            last_onsite_visit_on=today - dt.timedelta(days=61 + i),
        )
        for i in range(8)
    ]


def _reminders():
    return sorted(Notification.objects.values_list("recipient_id", "dedup_key"))


def test_a_job_killed_half_way_then_rerun_reaches_the_same_end_state_without_duplicates(overdue, monkeypatch):
    # The end state of one clean run, computed in a savepoint and rolled back.
    from django.db import transaction

    with time_machine.travel(NOW, tick=False):
        with transaction.atomic():
            jobs.run_job("overdue-visits")
            expected = _reminders()
            transaction.set_rollback(True)
        assert len(expected) == 16, "owner and manager, for eight customers"

        insert = db.copy_insert

        def dies_half_way(table, columns, rows, **kwargs):
            rows = list(rows)
            insert(table, columns, rows[: len(rows) // 2], **kwargs)  # half of the reminders are written...
            raise SystemExit("worker killed")  # ...then the process dies

        # Every notification ends in this one insert (crm.services._notifications_write).
        monkeypatch.setattr(db, "copy_insert", dies_half_way)
        with pytest.raises(SystemExit):
            jobs.run_job("overdue-visits")
        assert len(_reminders()) == 8
        state = JobState.objects.get(name="overdue-visits")
        assert state.last_success_at is None and "worker killed" in state.last_error
        assert state.running_since is None, "the claim is released, the redelivery may run"

        monkeypatch.undo()
        summary = tasks.run_job("overdue-visits")  # the redelivered message
        assert summary["reminders"] == 8
        assert _reminders() == expected
        assert tasks.run_job("overdue-visits")["reminders"] == 0


def test_the_same_task_delivered_twice_has_one_effect(overdue, salesperson, manager):
    salesperson.email = "sales1@example.com"
    salesperson.save(update_fields=["email"])
    with time_machine.travel(NOW, tick=False):
        first = tasks.run_job("overdue-visits")
        second = tasks.run_job("overdue-visits")
    assert first["reminders"] == 16 and second["reminders"] == 0
    mail.outbox.clear()
    tasks.notification_emails_send()
    tasks.notification_emails_send()
    assert mail.outbox == [], "reminders wait for the daily digest (issue 16), not one e-mail each"
    with time_machine.travel(NOW, tick=False):  # 16:00 in Shanghai: the 08:00 digests are due
        assert tasks.run_job("notification-digest")["digests"] == 2
        assert tasks.run_job("notification-digest")["digests"] == 0
    tasks.notification_emails_send()
    tasks.notification_emails_send()
    sent = [(tuple(m.to), m.subject) for m in mail.outbox]
    assert sorted(to for to, _subject in sent) == [(manager.email,), ("sales1@example.com",)], (
        "one digest each"
    )
    assert {subject for _to, subject in sent} == {"今日提醒：8 条"}


def test_beat_down_over_the_scheduled_time_gives_one_catch_up_covering_everything(overdue, settings):
    """Beat was down three days: the catch-up runs the job once; every customer that fell due
    during the downtime gets its one reminder; the next catch-up finds nothing to do."""
    settings.CRM_JOBS = {"overdue-visits": settings.CRM_JOBS["overdue-visits"]}
    settings.CELERY_BEAT_SCHEDULE = {
        k: v for k, v in settings.CELERY_BEAT_SCHEDULE.items() if k in ("overdue-visits", "jobs-catch-up")
    }
    with time_machine.travel(NOW - dt.timedelta(days=9), tick=False):
        assert tasks.run_job("overdue-visits")["reminders"] == 0, "nothing was due yet"
    with time_machine.travel(NOW, tick=False):
        assert jobs.jobs_due_for_catch_up() == ["overdue-visits"]
        assert tasks.jobs_catch_up() == ["overdue-visits"]
        assert len(_reminders()) == 16
        assert jobs.jobs_due_for_catch_up() == []
        assert tasks.jobs_catch_up() == []
    assert len(_reminders()) == 16
    assert JobState.objects.get(name="overdue-visits").last_success_at == NOW


def test_broker_down_when_an_approval_commits(
    salesperson, manager, customer, monkeypatch, django_capture_on_commit_callbacks
):
    """The approval stands; its e-mail goes out once the broker is back (the outbox sweep), once."""
    salesperson.email = "sales1@example.com"
    salesperson.save(update_fields=["email"])
    proposal = grading_services.proposal_create(
        actor=salesperson, customer_id=customer.pk, to_grade="B", reason="增长"
    )
    Notification.objects.update(emailed_at=NOW)  # the proposal's own notices are out of the way

    def broker_down(*args, **kwargs):
        from kombu.exceptions import OperationalError as BrokerDown

        raise BrokerDown("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(tasks.notification_emails_send, "delay", broker_down)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        grading_services.proposal_approve(proposal_id=proposal.pk, approver=manager, comment="同意")
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.APPROVED
    assert Customer.objects.get(pk=customer.pk).grade == "B"
    waiting = Notification.objects.filter(recipient=salesperson, emailed_at__isnull=True).count()
    assert waiting >= 1 and mail.outbox == []

    # The broker is back: the next outbox sweep (every five minutes) sends it, and only once.
    tasks.run_job("notification-outbox")
    tasks.run_job("notification-outbox")
    assert len(mail.outbox) == waiting
    assert {tuple(m.to) for m in mail.outbox} == {("sales1@example.com",)}
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    sent = len(mail.outbox)
    notification_outbox_drain()
    assert len(mail.outbox) == sent


def test_the_database_connection_dropping_mid_approval_rolls_everything_back(
    salesperson, manager, customer, monkeypatch
):
    proposal = grading_services.proposal_create(
        actor=salesperson, customer_id=customer.pk, to_grade="B", reason="增长"
    )
    audits = AuditLog.objects.count()

    def connection_lost(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    # The last statement of the transaction fails as a dropped connection would.
    monkeypatch.setattr(proposals_module, "audit_record", connection_lost)
    with pytest.raises(OperationalError):
        grading_services.proposal_approve(proposal_id=proposal.pk, approver=manager, comment="同意")
    proposal.refresh_from_db()
    assert proposal.state != ProposalState.APPROVED
    assert GradeProposal.objects.get(pk=proposal.pk).approvals.count() == 0
    assert not GradeChange.objects.filter(customer=customer).exists()
    assert Customer.objects.get(pk=customer.pk).grade == "C"
    assert AuditLog.objects.count() == audits
