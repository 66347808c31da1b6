"""Password change for every user and a reset by the administrator, in Chinese (issue 13 §7)."""

import pytest
from django.urls import reverse

from crm.models import AuditLog

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.mark.parametrize("persona", ["salesperson", "assistant", "manager", "gm_office", "administrator"])
def test_every_user_changes_their_own_password_from_the_user_menu(persona, request, client):
    user = request.getfixturevalue(persona)
    user.set_password("Old-pass-2026")
    user.save()
    client.force_login(user)
    home = client.get(reverse("home"), **ZH).content.decode()
    assert f'href="{reverse("password_change")}"' in home and "修改密码" in home
    response = client.post(
        reverse("password_change"),
        {"old_password": "Old-pass-2026", "new_password1": "Xin-mima-8899", "new_password2": "Xin-mima-8899"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Xin-mima-8899")
    assert AuditLog.objects.filter(action="crm.user.password_changed", actor=user).count() == 1
    assert client.get(reverse("home")).status_code == 200  # still logged in on this device


def test_a_weak_password_is_refused_with_chinese_messages(client, salesperson):
    salesperson.set_password("Old-pass-2026")
    salesperson.save()
    client.force_login(salesperson)
    response = client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": "123", "new_password2": "123"},
        **ZH,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "旧密码不正确" in html
    assert "密码长度太短" in html and "这个密码太常见了" in html
    salesperson.refresh_from_db()
    assert salesperson.check_password("Old-pass-2026")


def test_the_administrator_resets_a_password_in_the_admin(client, administrator, salesperson):
    client.force_login(administrator)
    url = reverse("admin:auth_user_password_change", args=[salesperson.pk])
    page = client.get(url, **ZH).content.decode()
    assert "密码" in page and "确认" in page
    response = client.post(
        url, {"password1": "Reset-mima-7788", "password2": "Reset-mima-7788", "usable_password": "true"}
    )
    assert response.status_code == 302
    salesperson.refresh_from_db()
    assert salesperson.check_password("Reset-mima-7788")
    assert AuditLog.objects.filter(action="crm.user.password_reset", target_id=str(salesperson.pk)).exists()


def test_a_manager_cannot_reset_a_colleagues_password(client, manager, salesperson):
    client.force_login(manager)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[salesperson.pk]),
        {"password1": "Reset-mima-7788", "password2": "Reset-mima-7788"},
    )
    assert response.status_code in (403, 404)
    salesperson.refresh_from_db()
    assert not salesperson.check_password("Reset-mima-7788")
