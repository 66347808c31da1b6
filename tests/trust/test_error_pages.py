"""Error pages in Chinese in the site's layout, the 500 page without the database, and
persistent, health-checked database connections (issue 13 §7)."""

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def _page(response) -> str:
    html = response.content.decode()
    assert 'data-testid="error-page"' in html and "crm.css" in html  # the site's layout
    return html


def test_404_is_chinese_in_the_layout(client_for, salesperson):
    response = client_for(salesperson).get("/customers/999999/", **ZH)
    assert response.status_code == 404
    html = _page(response)
    assert "页面不存在" in html and "crm-nav" in html and salesperson.display_name in html


def test_403_is_chinese_in_the_layout(client_for, salesperson):
    response = client_for(salesperson).get(reverse("customers:import"), **ZH)
    assert response.status_code == 403
    assert "无权" in _page(response)


def test_the_csrf_failure_page_is_chinese_in_the_layout(salesperson):
    client = Client(enforce_csrf_checks=True)
    client.force_login(salesperson)
    response = client.post(reverse("customers:create"), {"name": "x"}, **ZH)
    assert response.status_code == 403
    assert "表单已失效" in _page(response)


def test_400_for_a_nul_byte_is_chinese(client_for, manager):
    response = client_for(manager).get("/customers/?q=%00", **ZH)
    assert response.status_code == 400
    assert "请求无效" in _page(response)
    assert "script-src" in response["Content-Security-Policy"]


def test_429_page_is_chinese():
    from django.template.loader import render_to_string

    with translation.override("zh-hans"):
        html = render_to_string("429.html", {}, request=RequestFactory().get("/"))
    assert "请求过于频繁" in html


def test_500_is_static_chinese_and_needs_no_database(django_assert_num_queries):
    request = RequestFactory().get("/")
    with translation.override("zh-hans"), django_assert_num_queries(0):
        response = server_error(request)
    html = response.content.decode()
    assert response.status_code == 500
    assert "服务器出错" in html and "crm.css" in html
    assert "Server Error (500)" not in html


def test_database_connections_are_persistent_and_health_checked():
    db = settings.DATABASES["default"]
    assert db["CONN_HEALTH_CHECKS"] is True
    assert db["CONN_MAX_AGE"] > 0
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
