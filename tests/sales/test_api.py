"""The ERP's API (§13): token and scopes, idempotent upserts, pagination, the error shape, the schema."""

import pytest
from rest_framework.test import APIClient

from sales.api_auth import integration_account_create
from sales.models import Delivery, Payment, Receivable, UnmatchedRecord

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_cached_counts():
    """A list's count is cached per newest id (sales.api.LedgerPaginator); ids repeat between
    tests, whose transactions are rolled back."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def api():
    _account, token = integration_account_create(name="金蝶", scopes=["deliveries", "payments"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def delivery(customer, **kw):
    return {
        "erp_number": "FH-1",
        "credit_code": customer.credit_code,
        "delivered_on": "2026-11-01",
        "value": "1500.50",
        "goods": "轴承",
        **kw,
    }


def test_a_repeated_push_changes_nothing(api, customer):
    r1 = api.post("/api/v1/deliveries/", delivery(customer), format="json")
    r2 = api.post("/api/v1/deliveries/", delivery(customer), format="json")
    r3 = api.post("/api/v1/deliveries/", delivery(customer, value="1600"), format="json")
    assert (r1.status_code, r1.json()["outcome"]) == (201, "created")
    assert (r2.status_code, r2.json()["outcome"]) == (200, "unchanged")
    assert (r3.status_code, r3.json()["outcome"]) == (200, "updated")
    assert Delivery.objects.get().value == 1600


def test_unknown_customer_is_queued(api, customer):
    r = api.post("/api/v1/deliveries/", delivery(customer, credit_code="91310000MA1FL0000X"), format="json")
    assert r.status_code == 202 and not Delivery.objects.exists()
    assert UnmatchedRecord.objects.count() == 1


def test_errors_have_a_stable_shape(api, customer):
    r = api.post(
        "/api/v1/deliveries/", delivery(customer, delivered_on="not a date", value="-1"), format="json"
    )
    assert r.status_code == 400
    body = r.json()["error"]
    assert body["code"] == "invalid" and set(body["fields"]) == {"delivered_on", "value"}
    r = APIClient().get("/api/v1/deliveries/")
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"
    r = APIClient(HTTP_AUTHORIZATION="Token wrong").get("/api/v1/deliveries/")
    assert r.status_code == 401


def test_scopes_limit_what_an_account_writes(api, customer):
    r = api.post(
        "/api/v1/receivables/",
        {
            "erp_number": "YS-1",
            "credit_code": customer.credit_code,
            "issued_on": "2026-11-01",
            "due_on": "2026-12-01",
            "amount": "10",
        },
        format="json",
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert not Receivable.objects.exists()


def test_list_is_paginated(api, customer, django_assert_max_num_queries):
    for i in range(3):
        api.post(
            "/api/v1/payments/",
            {
                "erp_number": f"SK-{i}",
                "credit_code": customer.credit_code,
                "received_on": "2026-11-01",
                "amount": "10",
            },
            format="json",
        )
    assert Payment.objects.count() == 3
    with django_assert_max_num_queries(5):
        body = api.get("/api/v1/payments/").json()
    assert body["count"] == 3 and [p["erp_number"] for p in body["results"]] == ["SK-0", "SK-1", "SK-2"]
    assert api.get("/api/v1/payments/?page=9").status_code == 404


def test_a_list_count_is_kept_while_the_newest_record_is_the_same(api, customer):
    """The count is cached per newest key (COUNT(*) over 2,000,000 rows): exact after an insert."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def pay(n):
        payment = {"credit_code": customer.credit_code, "received_on": "2026-11-01", "amount": "10"}
        assert (
            api.post("/api/v1/payments/", {**payment, "erp_number": f"SK-{n}"}, format="json").status_code
            == 201
        )

    cache.clear()
    pay(1)
    pay(2)
    assert api.get("/api/v1/payments/").json()["count"] == 2
    with CaptureQueriesContext(connection) as ctx:
        assert api.get("/api/v1/payments/").json()["count"] == 2
    assert not [q for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    pay(3)
    assert api.get("/api/v1/payments/").json()["count"] == 3


def test_after_reads_on_from_the_last_id_seen(api, customer):
    for n in range(3):
        payment = {"credit_code": customer.credit_code, "received_on": "2026-11-01", "amount": "10"}
        api.post("/api/v1/payments/", {**payment, "erp_number": f"SK-{n}"}, format="json")
    first = Payment.objects.order_by("id").first()
    body = api.get(f"/api/v1/payments/?after={first.pk}").json()
    assert [p["erp_number"] for p in body["results"]] == ["SK-1", "SK-2"] and body["count"] == 2
    bad = api.get("/api/v1/payments/?after=-1")
    assert bad.status_code == 400 and "after" in bad.content.decode()


def test_the_schema_is_served_without_a_token(client):
    r = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert r.status_code == 200
    text = r.content.decode()
    assert "/api/v1/deliveries/" in text and "IntegrationToken" in text


def test_a_nul_byte_in_the_query_string_is_a_json_400(api):
    # Found by schemathesis: the site's NUL guard answered the API with an HTML page.
    r = api.get("/api/v1/receivables/", {"page": "1", "x\x00": "\x00"})
    assert r.status_code == 400 and r["Content-Type"] == "application/json"
    assert r.json()["error"]["code"] == "bad_request" and r.json()["error"]["message"]


@pytest.mark.parametrize("deferred_from", [0, 1000])
def test_every_page_holds_its_records_in_order(
    api, customer, django_assert_max_num_queries, monkeypatch, deferred_from
):
    """Deep pages are read ids first, then their records (deferred join): the same rows, in the
    same order, as one OFFSET query."""
    import datetime as dt
    from decimal import Decimal

    from sales.api import LedgerPaginator

    monkeypatch.setattr(LedgerPaginator, "deferred_from", deferred_from)
    Payment.objects.bulk_create(
        Payment(
            erp_number=f"SK-{i:03}", customer=customer, received_on=dt.date(2026, 11, 1), amount=Decimal(1)
        )
        for i in range(205)
    )
    expected = list(Payment.objects.order_by("id").values_list("erp_number", flat=True))
    seen = []
    for page in (1, 2, 3):
        with django_assert_max_num_queries(6):
            body = api.get(f"/api/v1/payments/?page={page}").json()
        assert body["count"] == 205
        seen += [p["erp_number"] for p in body["results"]]
    assert seen == expected and len(body["results"]) == 5
    assert api.get("/api/v1/payments/?page=4").status_code == 404
    after = Payment.objects.order_by("id").values_list("id", flat=True)[99]
    body = api.get(f"/api/v1/payments/?after={after}&page=2").json()
    assert [p["erp_number"] for p in body["results"]] == expected[200:]
