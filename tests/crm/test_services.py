import datetime as dt

import pytest
import time_machine
from django.core import mail

from crm import jobs, services
from crm.db import vendor_is_postgresql
from crm.models import AuditLog, JobState, Notification


@pytest.mark.django_db
def test_notification_is_sent_once_per_key_and_emailed_after_commit(
    salesperson, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.notification_send(recipients=[salesperson], kind="t", title="提醒", dedup_key="k1")
        again = services.notification_send(recipients=[salesperson], kind="t", title="提醒", dedup_key="k1")
    assert len(first) == 1 and again == []
    assert Notification.objects.filter(recipient=salesperson).count() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [salesperson.email]
    assert Notification.objects.get().emailed_at is not None


@pytest.mark.django_db
def test_outbox_drain_sends_what_the_on_commit_send_missed(salesperson):
    Notification.objects.create(recipient=salesperson, kind="t", title="积压的提醒")
    result = services.notification_outbox_drain()
    assert result == {"sent": 1, "without_address": 0, "failed": 0}
    assert services.notification_outbox_drain() == {"sent": 0, "without_address": 0, "failed": 0}
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_bulk_send_skips_keys_already_sent(salesperson, other_salesperson):
    rows = lambda: [  # noqa: E731
        Notification(recipient_id=salesperson.pk, kind="x", title="a", dedup_key="p1"),
        Notification(recipient_id=other_salesperson.pk, kind="x", title="a", dedup_key="p1"),
    ]
    assert services.notification_bulk_send(rows=rows()) == 2
    assert services.notification_bulk_send(rows=rows()) == 0
    assert Notification.objects.count() == 2


@pytest.mark.django_db
def test_send_returns_the_rows_it_created_only(salesperson, other_salesperson, manager):
    from django.urls import reverse_lazy
    from django.utils.translation import gettext_lazy

    services.notification_send(recipients=[salesperson], kind="t", title="提醒", dedup_key="k2")
    with time_machine.travel(dt.datetime(2026, 11, 29, 2, 0, tzinfo=dt.UTC), tick=False):
        got = services.notification_send(
            recipients=[salesperson, other_salesperson, manager, other_salesperson],
            kind="t",
            title=gettext_lazy("Customer"),  # lazy strings are stored as the ORM would store them
            url=reverse_lazy("customers:list"),
            dedup_key="k2",
        )
    assert sorted(n.recipient_id for n in got) == sorted([other_salesperson.pk, manager.pk])
    assert all(n.pk and n.url == reverse_lazy("customers:list") and n.delivery == "immediate" for n in got)
    assert Notification.objects.filter(dedup_key="k2").count() == 3
    assert services.notification_send(recipients=[], kind="t", title="x") == []


@pytest.mark.django_db
def test_bulk_send_of_model_rows_and_of_tuples_is_one_writer(salesperson):
    rows = [Notification(recipient_id=salesperson.pk, kind="x", title="a" * 250, dedup_key="p1")]
    assert services.notification_bulk_send(rows=rows) == 1
    same = [(salesperson.pk, "x", "again", "", "", "p1"), (salesperson.pk, "x", "new", "", "", "p2")]
    assert services.notification_bulk_send_values(values=same) == 1
    assert services.notification_bulk_send_values(values=[]) == 0
    titles = dict(Notification.objects.values_list("dedup_key", "title"))
    assert titles == {"p1": "a" * 200, "p2": "new"}  # cut to the column, the first of a key kept


@pytest.mark.django_db
def test_audit_record_keeps_before_and_after(manager, customer):
    entry = services.audit_record(
        actor=manager, action="x.changed", target=customer, before={"a": 1}, after={"a": 2}
    )
    assert AuditLog.objects.get(pk=entry.pk).target_type == "customers.customer"
    assert entry.before == {"a": 1} and entry.after == {"a": 2}


def test_add_months_uses_calendar_months():
    assert services.add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert services.add_months(dt.date(2027, 8, 31), 6) == dt.date(2028, 2, 29)
    assert services.add_months(dt.date(2026, 3, 31), -1) == dt.date(2026, 2, 28)
    assert services.add_months(dt.date(2026, 1, 15), 13) == dt.date(2027, 2, 15)
    shanghai = dt.timezone(dt.timedelta(hours=8))
    at = dt.datetime(2026, 8, 31, 23, 30, tzinfo=shanghai)
    assert services.add_months(at, 6) == dt.datetime(2027, 2, 28, 23, 30, tzinfo=shanghai)


@pytest.mark.django_db
def test_run_job_moves_the_watermark_and_refuses_parallel_runs(settings):
    calls = []

    def fake_job(*, now, since):
        calls.append((now, since))
        return {"ok": 1}

    import sys
    import types

    mod = types.ModuleType("fake_jobs_mod")
    mod.fake_job = fake_job
    sys.modules["fake_jobs_mod"] = mod
    settings.CRM_JOBS = {**settings.CRM_JOBS, "fake": "fake_jobs_mod.fake_job"}
    first = dt.datetime(2026, 11, 1, 8, tzinfo=dt.UTC)
    with time_machine.travel(first, tick=False):
        assert jobs.run_job("fake") == {"ok": 1}
    with time_machine.travel(first + dt.timedelta(days=1), tick=False):
        jobs.run_job("fake")
    assert calls[0][1] is None and calls[1][1] == first
    state = JobState.objects.get(name="fake")
    assert state.last_success_at == first + dt.timedelta(days=1) and state.running_since is None

    if vendor_is_postgresql():
        return  # there the lock is an advisory lock (tests/crm/test_jobs_postgres.py)
    state.running_since = first + dt.timedelta(days=1)
    state.save()
    with (
        time_machine.travel(first + dt.timedelta(days=1, minutes=5), tick=False),
        pytest.raises(jobs.JobAlreadyRunning),
    ):
        jobs.run_job("fake")


@pytest.mark.django_db
def test_a_refused_email_does_not_hold_up_the_outbox(salesperson, other_salesperson, monkeypatch):
    from django.core import mail as mail_module

    bad = Notification.objects.create(recipient=salesperson, kind="t", title="退信")
    good = Notification.objects.create(recipient=other_salesperson, kind="t", title="正常")
    real_send = services.send_mail

    def flaky_send(subject, body, sender, to, **kw):
        if to == [salesperson.email]:
            raise OSError("550 mailbox unavailable")
        return real_send(subject, body, sender, to, **kw)

    monkeypatch.setattr(services, "send_mail", flaky_send)
    assert services.notification_outbox_drain() == {"sent": 1, "without_address": 0, "failed": 1}
    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.emailed_at is not None and bad.emailed_at is None and bad.email_failures == 1
    for _ in range(services.EMAIL_MAX_ATTEMPTS):
        services.notification_outbox_drain()
    bad.refresh_from_db()
    assert bad.email_failures == services.EMAIL_MAX_ATTEMPTS and bad.emailed_at is None
    assert [m.to for m in mail_module.outbox] == [[other_salesperson.email]]


@pytest.mark.django_db
def test_createadmin_makes_an_administrator_with_role_and_group(monkeypatch):
    from django.core.management import call_command

    from crm.models import Role, User

    monkeypatch.setenv("CRM_ADMIN_PASSWORD", "a-Long-secret-2026")
    call_command("createadmin", "--username", "boss", "--email", "it@example.com", verbosity=0)
    user = User.objects.get(username="boss")
    assert user.role == Role.ADMIN and user.is_superuser and user.is_staff
    assert user.check_password("a-Long-secret-2026")
    assert list(user.groups.values_list("name", flat=True)) == ["管理员"]
