"""Login, the 工作台, notifications; the admin of users and of the system's records."""

import pytest
from django.urls import reverse

from crm.models import AuditLog, Notification, Role
from crm.services import audit_record


@pytest.fixture(autouse=True)
def _no_axes(settings):
    settings.AXES_ENABLED = False


@pytest.mark.django_db
def test_login_page_and_login(client, salesperson):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("login"), {"username": "sales1", "password": "pw"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_wrong_password_stays_on_login(client, salesperson):
    response = client.post(reverse("login"), {"username": "sales1", "password": "nope"})
    assert response.status_code == 200 and not response.wsgi_request.user.is_authenticated


@pytest.mark.django_db
def test_home_requires_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.django_db
def test_home_shows_unread_count(client_for, salesperson):
    Notification.objects.create(recipient=salesperson, kind="t", title="请核实档案")
    html = client_for(salesperson).get(reverse("home")).content.decode()
    assert 'data-testid="unread-count">1<' in html


@pytest.mark.django_db
def test_notifications_are_private_and_marked_read(client_for, salesperson, other_salesperson):
    mine = Notification.objects.create(recipient=salesperson, kind="t", title="我的提醒")
    theirs = Notification.objects.create(recipient=other_salesperson, kind="t", title="别人的提醒")
    client = client_for(salesperson)
    page = client.get(reverse("notifications"))
    assert [n.title for n in page.context["page"]] == ["我的提醒"]
    # Marking someone else's notification does nothing.
    client.post(reverse("notification_read", args=[theirs.pk]))
    theirs.refresh_from_db()
    assert theirs.read_at is None
    client.post(reverse("notification_read", args=[mine.pk]), {"next": "https://evil.example/"})
    mine.refresh_from_db()
    assert mine.read_at is not None
    unread = client.get(reverse("notifications"), {"unread": "1"})
    assert list(unread.context["page"]) == []


@pytest.mark.django_db
def test_mark_all_read(client_for, salesperson):
    for i in range(3):
        Notification.objects.create(recipient=salesperson, kind="t", title=f"提醒{i}")
    response = client_for(salesperson).post(reverse("notifications_read_all"))
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=salesperson, read_at__isnull=True).exists()


@pytest.mark.django_db
def test_notification_list_query_count(client_for, salesperson, django_assert_max_num_queries):
    for i in range(40):
        Notification.objects.create(recipient=salesperson, kind="t", title=f"提醒{i}")
    client = client_for(salesperson)
    client.get(reverse("home"))
    with django_assert_max_num_queries(8):
        assert client.get(reverse("notifications")).status_code == 200


@pytest.mark.django_db
def test_audit_trail_is_read_only_in_the_admin(client_for, administrator, customer):
    entry = audit_record(actor=administrator, action="x.done", target=customer)
    client = client_for(administrator)
    assert client.get(reverse("admin:crm_auditlog_changelist")).status_code == 200
    assert client.get(reverse("admin:crm_auditlog_add")).status_code == 403
    assert (
        client.post(reverse("admin:crm_auditlog_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    )
    assert AuditLog.objects.filter(pk=entry.pk).exists()


@pytest.mark.django_db
def test_user_admin_puts_the_user_in_the_role_group(client_for, administrator, east):
    client = client_for(administrator)
    response = client.post(
        reverse("admin:crm_user_add"),
        {
            "username": "new_assistant",
            "full_name": "新内勤",
            "role": Role.ASSISTANT,
            "department": east.pk,
            "password1": "Xy7!long-password",
            "password2": "Xy7!long-password",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    from crm.models import User

    user = User.objects.get(username="new_assistant")
    assert [g.name for g in user.groups.all()] == ["销售内勤"] and user.is_staff
    assert user.has_perm("customers.import_customers")


def test_admin_header_speaks_the_users_language(client_for, administrator):
    from django.urls import reverse

    client = client_for(administrator)
    client.cookies["django_language"] = "en"
    assert "Customer management system" in client.get(reverse("admin:index")).content.decode()
    client.cookies["django_language"] = "zh-hans"
    assert "客户管理系统" in client.get(reverse("admin:index")).content.decode()
