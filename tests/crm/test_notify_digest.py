"""Daily digests: reminders wait, one digest a person a day at their time, set-based, idempotent."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from crm import jobs, services
from crm.models import Notification
from crm.notify.digest import notification_digests_send
from crm.notify.models import NotificationPreference, NotificationProfile, RoleNotificationDefault
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
# 2026-11-29 08:00 in Asia/Shanghai
EIGHT = dt.datetime(2026, 11, 29, 0, 0, tzinfo=dt.UTC)


def remind(user, n, kind="visit_overdue", day="2026-11-01"):
    rows = [
        (user.pk, kind, f"拜访逾期：客户{i:02d}", "已逾期", f"/customers/{i}/", f"{kind}:{i}:{day}")
        for i in range(n)
    ]
    return services.notification_bulk_send_values(values=rows)


def test_reminders_wait_for_the_digest_and_do_not_count_as_unread(
    salesperson, django_capture_on_commit_callbacks
):
    with time_machine.travel(EIGHT - dt.timedelta(hours=2), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert remind(salesperson, 5) == 5
        assert services.unread_count(salesperson) == 0
        assert mail.outbox == [], "a digest item is not e-mailed on its own"
        assert notification_digests_send() == {"digests": 0, "items": 0}, "06:00: not yet"


def test_one_digest_grouped_by_kind_with_counts_first_items_and_links(
    salesperson, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "http://crm.local:8105"
    with time_machine.travel(EIGHT - dt.timedelta(hours=3), tick=False):
        remind(salesperson, 5)
        remind(salesperson, 2, kind="archive_update")
    with time_machine.travel(EIGHT, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert notification_digests_send() == {"digests": 1, "items": 7}
    digest = Notification.objects.get(kind="digest")
    assert digest.title == "今日提醒：7 条"
    assert "【逾期未拜访客户】5" in digest.body or "5" in digest.body.splitlines()[0] + digest.body
    assert (
        "拜访逾期：客户00\n  · 拜访逾期：客户01\n  · 拜访逾期：客户02" in digest.body
        and "客户03" not in digest.body
    ), "first three, oldest first"
    assert "http://crm.local:8105/notifications/?kind=visit_overdue" in digest.body
    assert "kind=archive_update" not in digest.body, "two items: all shown, no link needed"
    assert services.unread_count(salesperson) == 1
    assert [m.subject for m in mail.outbox] == ["今日提醒：7 条"]
    # a rerun, and the reminder job run again, send nothing
    with time_machine.travel(EIGHT + dt.timedelta(minutes=15), tick=False):
        assert notification_digests_send() == {"digests": 0, "items": 0}
        assert remind(salesperson, 5) == 0, "one reminder per customer and period, digest or not"


def test_each_person_at_their_own_time(salesperson, other_salesperson):
    NotificationProfile.objects.create(user=other_salesperson, digest_time=dt.time(9, 30))
    with time_machine.travel(EIGHT - dt.timedelta(hours=1), tick=False):
        remind(salesperson, 2)
        remind(other_salesperson, 3)
    with time_machine.travel(EIGHT, tick=False):
        assert notification_digests_send() == {"digests": 1, "items": 2}
    with time_machine.travel(EIGHT + dt.timedelta(minutes=90), tick=False):
        assert notification_digests_send() == {"digests": 1, "items": 3}
        # a reminder arriving after today's digest waits for tomorrow's
        remind(salesperson, 1, day="2026-11-02")
        assert notification_digests_send() == {"digests": 0, "items": 0}
    with time_machine.travel(EIGHT + dt.timedelta(days=1), tick=False):
        assert notification_digests_send() == {"digests": 1, "items": 1}


def test_a_person_or_role_may_choose_immediate_for_a_reminder_kind(salesperson, manager):
    NotificationPreference.objects.create(user=salesperson, kind="visit_overdue", delivery="immediate")
    RoleNotificationDefault.objects.create(role="manager", kind="visit_overdue_manager", delivery="immediate")
    with time_machine.travel(EIGHT, tick=False):
        remind(salesperson, 2)
        remind(manager, 3, kind="visit_overdue_manager")
    assert services.unread_count(salesperson) == 2 and services.unread_count(manager) == 3
    assert not Notification.objects.filter(delivery="digest").exists()


def test_digest_job_runs_a_constant_number_of_queries_for_thirty_people(east, django_assert_max_num_queries):
    people = [UserFactory(username=f"p{i}", department=east) for i in range(30)]
    with time_machine.travel(EIGHT - dt.timedelta(hours=1), tick=False):
        for i, p in enumerate(people):
            remind(p, 4 + i % 3)
            remind(p, 2, kind="archive_update")
    with time_machine.travel(EIGHT, tick=False), django_assert_max_num_queries(25):
        summary = jobs.run_job("notification-digest")
    assert summary["digests"] == 30
    assert Notification.objects.filter(kind="digest").count() == 30


def test_an_inactive_person_gets_no_digest(salesperson):
    with time_machine.travel(EIGHT - dt.timedelta(hours=1), tick=False):
        remind(salesperson, 2)
    salesperson.is_active = False
    salesperson.save()
    with time_machine.travel(EIGHT, tick=False):
        assert notification_digests_send() == {"digests": 0, "items": 0}


def test_a_large_set_routes_and_dedups_like_a_small_one(salesperson, manager):
    """Every send ends in one writer (crm.db.copy_insert: COPY on PostgreSQL, one executemany on
    SQLite), whatever the size: a job's thousands are routed and deduplicated as one action's."""
    NotificationPreference.objects.create(user=manager, kind="visit_overdue_manager", delivery="immediate")
    rows = [(salesperson.pk, "visit_overdue", f"t{i}", "", "", f"k{i}") for i in range(1500)]
    rows += [(manager.pk, "visit_overdue_manager", "m", "", "", "m1")]
    assert services.notification_bulk_send_values(values=rows) == 1501
    assert services.notification_bulk_send_values(values=rows) == 0
    mine = Notification.objects.filter(recipient=salesperson)
    assert mine.filter(delivery="digest", emailed_at__isnull=False).count() == 1500
    assert Notification.objects.get(recipient=manager).delivery == "immediate"
    assert services.unread_count(salesperson) == 0 and services.unread_count(manager) == 1
