"""Sessions: a new key on login, logout and deactivation end them on the server, idle timeout."""

import datetime as dt

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from crm.models import AuditLog
from crm.services import user_deactivate, user_sessions_end

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _no_axes(settings):
    settings.AXES_ENABLED = False


def _login(client, username="sales1", password="pw"):  # noqa: S107
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 302, "login failed"
    return client.session.session_key


def test_login_issues_a_new_session_key(client, salesperson):
    client.get(reverse("login"))
    s = client.session  # an anonymous session a fixation attacker might have planted
    s["probe"] = 1
    s.save()
    before = s.session_key
    after = _login(client)
    assert after and after != before
    assert not Session.objects.filter(session_key=before).exists()


def test_logout_deletes_the_session_on_the_server(client, salesperson):
    key = _login(client)
    assert Session.objects.filter(session_key=key).exists()
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    # The old cookie replayed by someone who copied it opens nothing.
    thief = Client()
    thief.cookies["sessionid"] = key
    assert thief.get(reverse("notifications")).status_code == 302


def test_logout_by_get_is_refused(client, salesperson):
    key = _login(client)
    assert client.get(reverse("logout")).status_code == 405
    assert Session.objects.filter(session_key=key).exists()


def test_deactivating_a_user_ends_all_their_sessions(salesperson, other_salesperson, manager):
    phone, laptop, colleague = Client(), Client(), Client()
    k1, k2 = _login(phone), _login(laptop)
    k3 = _login(colleague, "sales2")
    assert phone.get(reverse("notifications")).status_code == 200

    user_deactivate(actor=manager, user_id=salesperson.pk)

    assert not Session.objects.filter(session_key__in=[k1, k2]).exists()
    assert Session.objects.filter(session_key=k3).exists(), "another user's session must survive"
    assert phone.get(reverse("notifications")).status_code == 302
    assert laptop.get(reverse("customers:list")).status_code == 302
    assert colleague.get(reverse("notifications")).status_code == 200
    salesperson.refresh_from_db()
    assert salesperson.is_active is False
    assert AuditLog.objects.filter(action="crm.user.deactivated", target_id=str(salesperson.pk)).count() == 1
    # Twice is harmless: no second audit row.
    user_deactivate(actor=manager, user_id=salesperson.pk)
    assert AuditLog.objects.filter(action="crm.user.deactivated", target_id=str(salesperson.pk)).count() == 1


def test_deactivating_in_the_user_admin_ends_their_sessions(client_for, administrator, salesperson, east):
    user_client = Client()
    key = _login(user_client)
    admin = client_for(administrator)
    url = reverse("admin:crm_user_change", args=[salesperson.pk])
    page = admin.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        k: v
        for k, v in form.initial.items()
        if v is not None and k not in ("password", "last_login", "date_joined")
    }
    data.update({"role": "salesperson", "department": east.pk, "groups": [], "user_permissions": []})
    data.pop("is_active", None)  # unticked checkbox = deactivate
    response = admin.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    salesperson.refresh_from_db()
    assert not salesperson.is_active
    assert not Session.objects.filter(session_key=key).exists()
    assert user_client.get(reverse("notifications")).status_code == 302
    assert AuditLog.objects.filter(action="crm.user.deactivated", target_id=str(salesperson.pk)).exists()


def test_the_user_admin_action_deactivates_and_logs_out(
    client_for, administrator, salesperson, other_salesperson
):
    c1, c2 = Client(), Client()
    k1, k2 = _login(c1), _login(c2, "sales2")
    admin = client_for(administrator)
    response = admin.post(
        reverse("admin:crm_user_changelist"),
        {
            "action": "deactivate_users",
            "_selected_action": [salesperson.pk, administrator.pk],
        },
    )
    assert response.status_code == 302
    salesperson.refresh_from_db()
    administrator.refresh_from_db()
    assert not salesperson.is_active and administrator.is_active, "an administrator cannot lock themself out"
    assert not Session.objects.filter(session_key=k1).exists()
    assert Session.objects.filter(session_key=k2).exists()


def test_user_sessions_end_ignores_tampered_sessions(salesperson):
    Session.objects.create(
        session_key="x" * 32, session_data="garbage", expire_date=T0 + dt.timedelta(days=3650)
    )
    assert user_sessions_end(user=salesperson) == 0


def test_idle_session_is_ended_after_the_timeout(client, salesperson, settings):
    settings.SESSION_IDLE_TIMEOUT = 3600
    with time_machine.travel(T0, tick=False) as traveller:
        key = _login(client)
        assert client.get(reverse("notifications")).status_code == 200
        traveller.shift(dt.timedelta(minutes=59))
        assert client.get(reverse("notifications")).status_code == 200, (
            "activity within the timeout keeps the session"
        )
        traveller.shift(dt.timedelta(minutes=59))
        assert client.get(reverse("notifications")).status_code == 200, "the clock restarts at each request"
        traveller.shift(dt.timedelta(minutes=61))
        response = client.get(reverse("notifications"))
        assert response.status_code == 302 and reverse("login") in response["Location"]
        assert not Session.objects.filter(session_key=key).exists()


def test_session_cookie_flags(client, salesperson, settings):
    _login(client)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert settings.SESSION_IDLE_TIMEOUT <= 8 * 3600


def test_changing_a_users_role_in_the_admin_ends_their_sessions(client_for, administrator, salesperson, east):
    user_client = Client()
    key = _login(user_client)
    admin = client_for(administrator)
    url = reverse("admin:crm_user_change", args=[salesperson.pk])
    form = admin.get(url).context["adminform"].form
    data = {
        k: v
        for k, v in form.initial.items()
        if v is not None and k not in ("password", "last_login", "date_joined")
    }
    data.update(
        {"role": "assistant", "department": east.pk, "is_active": "on", "groups": [], "user_permissions": []}
    )
    assert admin.post(url, data).status_code == 302
    assert not Session.objects.filter(session_key=key).exists(), "the old role's session is gone"
