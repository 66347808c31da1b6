"""One-time submission keys (issue 13.4): two identical POSTs create one object."""

import os
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from complaints.models import Ticket
from crm.models import SubmissionKey
from crm.submissions import submission_keys_purge
from customers.models import Contact
from tests.trust.race import race
from visits.models import VisitPlan, VisitReport

from ..visits.conftest import NOW, TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def _report(customer, key):
    owner = customer.owner_id
    return {
        "customer": customer.pk,
        "visited_on": TODAY.isoformat(),
        "mode": "phone",
        "latest_needs": "要报价",
        "submission_key": key,
        "step_0_owner": owner,
        "step_1_owner": owner,
        "step_2_owner": owner,
    }


def test_the_create_forms_carry_a_fresh_key(client_for, salesperson, customer, frozen):
    client = client_for(salesperson)
    pages = [
        (reverse("visits:report_create"), {"customer": customer.pk}),
        (reverse("visits:plan_create"), {"customer": customer.pk}),
        (reverse("complaints:create"), {"customer": customer.pk}),
        (reverse("customers:contact_add", args=[customer.pk]), {}),
    ]
    for url, query in pages:
        first = client.get(url, query).content.decode()
        second = client.get(url, query).content.decode()
        assert 'name="submission_key"' in first, url
        key = first.split('name="submission_key" value="')[1][:36]
        assert key not in second  # made when the form is rendered
        uuid.UUID(key)


def test_a_double_tap_on_the_report_stores_one_report(client_for, salesperson, customer, frozen):
    client = client_for(salesperson)
    key = str(uuid.uuid4())
    first = client.post(reverse("visits:report_create"), _report(customer, key))
    second = client.post(reverse("visits:report_create"), _report(customer, key))
    report = VisitReport.objects.get()
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == reverse("visits:report_detail", args=[report.pk])
    assert second["X-Submission-Repeat"] == "1"
    assert SubmissionKey.objects.get().result_url == first.url


@pytest.mark.parametrize("kind", ["plan", "complaint", "contact"])
def test_repeats_of_other_create_forms_create_one(client_for, salesperson, customer, frozen, kind):
    client = client_for(salesperson)
    key = str(uuid.uuid4())
    if kind == "plan":
        url, data, model = (
            reverse("visits:plan_create"),
            {
                "customer": customer.pk,
                "purpose": "年度回顾",
                "planned_at": "2026-06-18T09:30",
                "visitors": [salesperson.pk],
            },
            VisitPlan,
        )
    elif kind == "complaint":
        url, data, model = (
            reverse("complaints:create"),
            {
                "customer": customer.pk,
                "complaint_type": "delivery",
                "channel": "phone",
                "description": "到货延迟三天",
            },
            Ticket,
        )
    else:
        url, data, model = (
            reverse("customers:contact_add", args=[customer.pk]),
            {"name": "王强", "position": "buyer", "mobile": "13800138000"},
            Contact,
        )
    answers = [client.post(url, {**data, "submission_key": key}) for _ in range(3)]
    assert model.objects.count() == 1
    assert {a.status_code for a in answers} == {302}
    assert len({a.url for a in answers}) == 1


def test_a_refused_form_keeps_no_key_so_the_corrected_one_is_stored(
    client_for, salesperson, customer, frozen
):
    client = client_for(salesperson)
    key = str(uuid.uuid4())
    bad = client.post(reverse("visits:report_create"), {**_report(customer, key), "visited_on": "2026-07-30"})
    assert bad.status_code == 200 and not VisitReport.objects.exists()
    assert not SubmissionKey.objects.exists()
    good = client.post(reverse("visits:report_create"), _report(customer, key))
    assert good.status_code == 302 and VisitReport.objects.count() == 1


def test_another_users_key_is_refused(
    client_for, salesperson, other_salesperson, customer, other_customer, frozen
):
    key = str(uuid.uuid4())
    client_for(salesperson).post(reverse("visits:report_create"), _report(customer, key))
    stolen = client_for(other_salesperson).post(reverse("visits:report_create"), _report(other_customer, key))
    assert stolen.status_code == 409
    assert VisitReport.objects.count() == 1


def test_a_form_without_a_key_works_as_before(client_for, salesperson, customer, frozen):
    data = _report(customer, "")
    client_for(salesperson).post(reverse("visits:report_create"), data)
    client_for(salesperson).post(reverse("visits:report_create"), data)
    assert VisitReport.objects.count() == 2 and not SubmissionKey.objects.exists()


def test_the_purge_job_forgets_keys_older_than_thirty_days(salesperson):
    now = timezone.now()
    old = SubmissionKey.objects.create(key=uuid.uuid4(), user=salesperson, path="/x/", result_url="/y/")
    SubmissionKey.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=31))
    recent = SubmissionKey.objects.create(key=uuid.uuid4(), user=salesperson, path="/x/", result_url="/y/")
    assert submission_keys_purge(now=now) == {"deleted": 1}
    assert list(SubmissionKey.objects.all()) == [recent]


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_with_one_key_store_one_report(salesperson, customer):
    key = str(uuid.uuid4())
    data = {**_report(customer, key), "visited_on": timezone.localdate().isoformat()}

    def post():
        client = Client()
        client.force_login(salesperson)
        response = client.post(reverse("visits:report_create"), data)
        return response.status_code, response.get("Location")

    results = race(post, post, post)
    assert VisitReport.objects.count() == 1, results
    report = VisitReport.objects.get()
    assert results == [(302, reverse("visits:report_detail", args=[report.pk]))] * 3


def test_admin_add_forms_carry_a_key_and_a_repeat_adds_nothing(client_for, administrator, east):
    from crm.models import Department

    client = client_for(administrator)
    page = client.get("/admin/crm/department/add/").content.decode()
    assert 'name="submission_key"' in page
    edit = client.get(f"/admin/crm/department/{east.pk}/change/").content.decode()
    assert 'name="submission_key"' not in edit  # only adds
    key = str(uuid.uuid4())
    data = {"name": "华北销售部", "code": "north", "submission_key": key, "_save": "1"}
    first = client.post("/admin/crm/department/add/", data)
    second = client.post("/admin/crm/department/add/", data)
    assert first.status_code == second.status_code == 302 and first.url == second.url
    assert Department.objects.filter(code="north").count() == 1
