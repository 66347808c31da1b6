"""A salesperson on a phone: the digest in the notification centre, a kind's full list, marking the
kind read, then 通知设置 (a reminder kind switched to immediate, a later digest time)."""

import datetime as dt

import pytest
from django.utils import timezone

from crm import services
from crm.models import Notification
from crm.notify.digest import notification_digests_send
from crm.notify.models import NotificationPreference, NotificationProfile

pytestmark = pytest.mark.django_db(transaction=True)


def test_salesperson_reads_the_digest_and_changes_settings_on_a_phone(
    phone_page, live_server, login, screenshot, salesperson
):
    page = phone_page
    rows = [
        (
            salesperson.pk,
            "visit_overdue",
            f"上门拜访逾期：华东机械{i:02d}有限公司",
            "A级客户，已逾期 12 天",
            f"/customers/{i}/",
            f"visit-overdue:{i}",
        )
        for i in range(6)
    ]
    services.notification_bulk_send_values(values=rows)
    services.notification_send(
        recipients=[salesperson],
        kind="complaint_assigned",
        title="投诉 TS-2026-000003 已分派给您处理",
        url="/complaints/",
    )
    notification_digests_send(now=timezone.localtime().replace(hour=23, minute=59))  # after 08:00, same day
    login(page, salesperson)

    page.goto(f"{live_server.url}/notifications/")
    items = page.get_by_test_id("notification")
    assert items.count() == 2, "the digest and the immediate one; the six reminders are in the digest"
    assert "今日提醒：6 条" in page.content()
    assert page.get_by_test_id("unread-count").count() in (0, 1)
    screenshot(page, "notifications-phone")

    page.select_option("select[name=kind]", "visit_overdue")
    page.get_by_test_id("filter-kind").click()
    page.wait_for_url("**/notifications/?kind=visit_overdue")
    assert page.get_by_test_id("notification").count() == 6
    page.get_by_role("button", name="将“逾期未拜访客户”全部标为已读").click()
    page.wait_for_load_state()
    assert not Notification.objects.filter(
        recipient=salesperson, kind="visit_overdue", read_at__isnull=True
    ).exists()

    page.goto(f"{live_server.url}/notifications/settings/")
    row = page.get_by_test_id("pref-visit_overdue")
    row.locator("select").select_option("immediate")
    page.select_option("select[name=digest_time]", "09:30")
    screenshot(page, "notification-settings-phone")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert "通知设置已保存" in page.content()
    assert NotificationPreference.objects.get(user=salesperson, kind="visit_overdue").delivery == "immediate"
    assert NotificationProfile.objects.get(user=salesperson).digest_time == dt.time(9, 30)
