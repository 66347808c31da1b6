"""Amounts read the way each language says them (field test 20: English showed "200.00 10k yuan")."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from crm.templatetags.crm_tags import money_wan, money_yuan
from tests.factories import CustomerFactory


def test_amounts_in_chinese_are_wan_and_in_english_whole_yuan():
    with translation.override("zh-hans"):
        assert money_wan(Decimal("200")) == "200.00 万元"
        assert money_yuan(Decimal("125000")) == "12.50 万元"
    with translation.override("en"):
        assert money_wan(Decimal("200")) == "¥2,000,000"
        assert money_yuan(Decimal("125000")) == "¥125,000.00"
    assert money_wan(None) == "—"


@pytest.mark.django_db
def test_customer_page_registered_capital_in_english(client_for, salesperson):
    customer = CustomerFactory(owner=salesperson, registered_capital=Decimal("200"))
    client = client_for(salesperson)
    client.post(reverse("set_language"), {"language": "en"})
    body = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "¥2,000,000" in body and "10k yuan" not in body.split("Registered capital", 1)[1][:200]


@pytest.mark.django_db
def test_measures_table_names_months_with_their_year(client_for, manager, open_ticket_for_measures):
    body = client_for(manager).get(reverse("complaints:measures") + "?year=2026").content.decode()
    assert "2026-07" in body


@pytest.fixture
def open_ticket_for_measures(salesperson):
    import datetime as dt

    import time_machine

    from complaints.services import ticket_create

    customer = CustomerFactory(owner=salesperson)
    with time_machine.travel(dt.datetime(2026, 7, 3, 2, tzinfo=dt.UTC), tick=False):
        return ticket_create(
            actor=salesperson,
            customer_id=customer.pk,
            channel="phone",
            complaint_type="quality",
            description="包装破损",
        )
