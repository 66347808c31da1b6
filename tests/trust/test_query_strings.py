"""Crafted query strings never answer 500 (issue 13 §7): every list of the site (each page of the
permission matrix without an object in its URL) and every admin changelist is fed a negative,
a non-numeric and a huge page number and NUL bytes in the page, in the search box and in a
filter; each answers a normal page, a redirect or a 4xx."""

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from .test_permission_matrix import MATRIX, users, world  # noqa: F401  the same fixtures and records
from .urlconf import app_routes

pytestmark = pytest.mark.django_db

QUERIES = [
    "page=-1",
    "page=abc",
    "page=999999999999999999999",
    "page=%00",
    "q=%00",
    "state=%00",
    "status=%00",
    "q=%00abc&page=2",
    "o=%00",
    "show=%00",
    "e=%00",
    "p=-1",
    "p=99999999999999999999",
    "all=%00",
    "grade=%00",
    "department=%00",
    "customer=%00",
    "year=%00",
    "kind=%00",
    "sort=%00",
]
REPORTED = [
    "/customers/?page=999999999999999999999",
    "/visits/pick/?q=%00",
    "/complaints/?q=%00",
    "/admin/grading/gradeproposal/?state=%00",
]


def _lists():
    for route in app_routes():
        entry = MATRIX.get(route.name) or {}
        if "get" in entry and not route.params:
            role = next(
                (
                    r
                    for r in ("manager", "salesperson", "assistant", "gm_office", "admin")
                    if entry["get"][r] == 200
                ),
                None,
            )
            if role:
                yield route.path(), role
    for model in admin.site._registry:
        yield reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"), "admin"
        yield reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"), "manager"


def test_the_reported_urls_answer_a_page_or_a_4xx(users, world):  # noqa: F811
    for role in ("salesperson", "manager", "admin"):
        client = Client(raise_request_exception=False)
        client.force_login(users[role])
        for url in REPORTED:
            assert client.get(url).status_code < 500, f"{url} as {role}"


def test_every_list_answers_any_query_string_with_a_page_or_a_4xx(users, world):  # noqa: F811
    clients = {}
    wrong = []
    lists = list(_lists())
    assert len(lists) > 40
    for path, role in lists:
        if role not in clients:
            clients[role] = Client(raise_request_exception=False)
            clients[role].force_login(users[role])
        for query in QUERIES:
            status = clients[role].get(f"{path}?{query}").status_code
            if status >= 500:
                wrong.append(f"{path}?{query} as {role}: {status}")
    assert not wrong, "\n".join(wrong)


def test_a_nul_byte_is_refused_with_a_chinese_page(users, world):  # noqa: F811
    client = Client()
    client.force_login(users["manager"])
    response = client.get("/complaints/?q=%00", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert "请求无效" in response.content.decode()
