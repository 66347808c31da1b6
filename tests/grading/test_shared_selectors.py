"""The grading reads other apps go through (the import contracts, docs/import-contracts.md):
blacklist's report form lists the customer's incidents, the printed evaluation form is scoped."""

import datetime as dt

import time_machine
from django.urls import reverse
from django.utils import timezone

from blacklist.forms import EntryReportForm
from grading.selectors import evaluations_visible, incidents_of
from grading.services import evaluation_create, incident_record
from grading.services.rules import INDICATORS
from tests.factories import CustomerFactory

NOW = dt.datetime(2026, 11, 29, 2, 0, tzinfo=dt.UTC)


@time_machine.travel(NOW, tick=False)
def test_incidents_of_the_customer_newest_first(customer, other_customer, manager):
    older = incident_record(
        actor=manager,
        customer_id=customer.pk,
        incident_type="late_payment",
        occurred_on=dt.date(2026, 11, 1),
        description="逾期一",
        now=timezone.now(),
    )
    newer = incident_record(
        actor=manager,
        customer_id=customer.pk,
        incident_type="late_payment",
        occurred_on=dt.date(2026, 11, 20),
        description="逾期二",
        now=timezone.now(),
    )
    incident_record(
        actor=manager,
        customer_id=other_customer.pk,
        incident_type="late_payment",
        occurred_on=dt.date(2026, 11, 21),
        description="别家",
        now=timezone.now(),
    )

    assert list(incidents_of(customer)) == [newer, older]
    assert list(incidents_of(None)) == []
    form = EntryReportForm(customer=customer)
    assert list(form.fields["incidents"].queryset) == [newer, older]
    assert "incidents" not in EntryReportForm(customer=CustomerFactory(owner=customer.owner)).fields


@time_machine.travel(NOW, tick=False)
def test_evaluations_visible_only_for_customers_the_user_sees(
    customer, salesperson, south_salesperson, client
):
    evaluation = evaluation_create(
        actor=salesperson, customer_id=customer.pk, period_year=2025, scores=dict.fromkeys(INDICATORS, 70)
    )

    assert list(evaluations_visible(salesperson)) == [evaluation]
    assert list(evaluations_visible(south_salesperson)) == []
    client.force_login(south_salesperson)
    assert client.get(reverse("reports:evaluation_print", args=[evaluation.pk])).status_code == 404
    client.force_login(salesperson)
    assert client.get(reverse("reports:evaluation_print", args=[evaluation.pk])).status_code == 200
