"""The notification centre (filter by kind, mark a kind read, open the target, paging) and the
通知设置 page; the admin import of WeCom / DingTalk ids."""

import datetime as dt
import io

import pytest
from django.urls import reverse

from crm.models import AuditLog, Notification
from crm.notify.models import NotificationPreference, NotificationProfile

pytestmark = pytest.mark.django_db


def note(user, kind, title, delivery="immediate", url="/customers/"):
    return Notification.objects.create(recipient=user, kind=kind, title=title, url=url, delivery=delivery)


def test_centre_filters_by_kind_and_shows_digest_items_only_there(
    client, salesperson, django_assert_max_num_queries
):
    note(salesperson, "complaint_overdue", "投诉超时A")
    note(salesperson, "visit_overdue", "拜访逾期B", delivery="digest")
    note(salesperson, "digest", "今日提醒：1 条")
    client.force_login(salesperson)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("notifications")).content.decode()
    assert "投诉超时A" in page and "今日提醒" in page and "拜访逾期B" not in page
    page = client.get(reverse("notifications"), {"kind": "visit_overdue"}).content.decode()
    assert "拜访逾期B" in page and "投诉超时A" not in page and "逾期未拜访客户" in page
    page = client.get(reverse("notifications"), {"scope": "digest"}).content.decode()
    assert "拜访逾期B" in page and "投诉超时A" not in page
    # the badge counts unread immediate notifications only
    assert client.get(reverse("notifications")).context["unread_notifications"] == 2


def test_centre_pages_with_constant_queries(client, salesperson, django_assert_max_num_queries):
    for i in range(75):
        note(salesperson, "complaint_overdue", f"投诉{i:02d}")
    client.force_login(salesperson)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("notifications"), {"page": 3, "kind": "complaint_overdue"})
    assert response.context["page"].number == 3 and len(response.context["page"].object_list) == 15


def test_mark_one_kind_read_leaves_the_others(client, salesperson, other_salesperson):
    note(salesperson, "complaint_overdue", "a")
    note(salesperson, "complaint_overdue", "b")
    keep = note(salesperson, "grading_decision", "c")
    theirs = note(other_salesperson, "complaint_overdue", "d")
    client.force_login(salesperson)
    client.post(reverse("notifications_read_all"), {"kind": "complaint_overdue"})
    assert (
        Notification.objects.filter(
            recipient=salesperson, kind="complaint_overdue", read_at__isnull=True
        ).count()
        == 0
    )
    keep.refresh_from_db()
    theirs.refresh_from_db()
    assert keep.read_at is None and theirs.read_at is None


def test_opening_an_item_marks_it_read_and_goes_to_its_target(client, salesperson, other_salesperson):
    mine = note(salesperson, "complaint_overdue", "a", url="/complaints/9/")
    theirs = note(other_salesperson, "complaint_overdue", "b")
    client.force_login(salesperson)
    response = client.get(reverse("notification_open", args=[mine.pk]))
    assert response.status_code == 302 and response["Location"] == "/complaints/9/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert client.get(reverse("notification_open", args=[theirs.pk])).status_code == 404
    evil = note(salesperson, "complaint_overdue", "c", url="https://evil.example.com/")
    assert client.get(reverse("notification_open", args=[evil.pk]))["Location"] == reverse("notifications")


def test_settings_page_saves_choices_and_digest_time(client, salesperson, django_assert_max_num_queries):
    client.force_login(salesperson)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("notification_settings"))
    assert page.status_code == 200 and "逾期未拜访客户" in page.content.decode()
    form = page.context["form"]
    data = {name: field.initial for name, field in form.fields.items() if not isinstance(field.initial, bool)}
    data.update({name: "on" for name, field in form.fields.items() if field.initial is True})
    data["digest_time"] = "09:30"
    data["visit_overdue__delivery"] = "immediate"
    data["complaint_overdue__wecom"] = "on"
    data.pop("archive_update__email", None)
    response = client.post(reverse("notification_settings"), data)
    assert response.status_code == 302
    assert NotificationProfile.objects.get(user=salesperson).digest_time == dt.time(9, 30)
    assert NotificationPreference.objects.get(user=salesperson, kind="visit_overdue").delivery == "immediate"
    assert NotificationPreference.objects.get(user=salesperson, kind="complaint_overdue").wecom is True
    assert NotificationPreference.objects.get(user=salesperson, kind="archive_update").email is False
    assert AuditLog.objects.filter(
        action="crm.notification_settings.saved", target_id=str(salesperson.pk)
    ).exists()


def test_settings_refuse_a_time_off_the_quarter_hour(client, salesperson):
    client.force_login(salesperson)
    response = client.post(reverse("notification_settings"), {"digest_time": "09:10"})
    assert response.status_code == 200 and not NotificationProfile.objects.exists()


def _sheet(rows):
    from openpyxl import Workbook

    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "ids.xlsx"
    return buf


def test_admin_imports_wecom_and_dingtalk_ids_all_or_nothing(client, administrator, salesperson, manager):
    client.force_login(administrator)
    url = reverse("admin:crm_user_import_channel_ids")
    bad = _sheet([["用户名", "企业微信ID", "钉钉ID"], ["sales1", "zhangwei", "ding1"], ["nobody", "x", "y"]])
    response = client.post(url, {"file": bad}, follow=True)
    assert "用户 nobody 不存在" in response.content.decode()
    salesperson.refresh_from_db()
    assert salesperson.wecom_userid == "", "nothing written"
    good = _sheet([["用户名", "企业微信ID"], ["sales1", "zhangwei"], ["manager1", "chenjing"]])
    client.post(url, {"file": good})
    salesperson.refresh_from_db()
    manager.refresh_from_db()
    assert (salesperson.wecom_userid, manager.wecom_userid) == ("zhangwei", "chenjing")
    assert AuditLog.objects.filter(action="crm.user.channel_ids_imported").count() == 2


def test_only_the_administrator_imports_ids(client, manager):
    client.force_login(manager)
    response = client.get(reverse("admin:crm_user_import_channel_ids"))
    assert response.status_code in (302, 403)
