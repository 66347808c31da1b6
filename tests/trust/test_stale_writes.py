"""No silent overwrite: a stale form gets a conflict message; an import confirm reports a customer
changed since its preview (sequential versions of the PostgreSQL races, run on every database)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from customers import imports
from customers.models import Customer, ImportBatch
from customers.services import CustomerError, customer_update

pytestmark = pytest.mark.django_db


def _edit_form(client, customer):
    page = client.get(reverse("customers:edit", args=[customer.pk]))
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields}
    return {k: ("" if v is None else v) for k, v in data.items()}


def test_the_second_of_two_stale_forms_gets_a_conflict_message(client_for, salesperson, assistant, customer):
    from django.test import Client

    first, second = Client(), Client()
    first.force_login(salesperson)
    second.force_login(assistant)
    form_a, form_b = _edit_form(first, customer), _edit_form(second, customer)
    form_a["phone"] = "021-11111111"
    form_b["address"] = "上海市浦东新区张江路 1 号"
    assert first.post(reverse("customers:edit", args=[customer.pk]), form_a).status_code == 302
    response = second.post(reverse("customers:edit", args=[customer.pk]), form_b, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    customer.refresh_from_db()
    assert customer.phone == "021-11111111" and customer.address != "上海市浦东新区张江路 1 号"


def test_the_service_refuses_a_stale_version(salesperson, customer):
    customer_update(
        actor=salesperson, customer_id=customer.pk, data={"phone": "1"}, expected_version=customer.version
    )
    with pytest.raises(CustomerError):
        customer_update(
            actor=salesperson, customer_id=customer.pk, data={"phone": "2"}, expected_version=customer.version
        )


@pytest.fixture
def _media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }


def _sheet(customer, phone, owner):
    wb = Workbook()
    wb.active.append(["客户名称", "统一社会信用代码", "电话", "负责业务员"])
    wb.active.append([customer.name, customer.credit_code, phone, owner])
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("客户.xlsx", buf.getvalue())


@pytest.mark.usefixtures("_media")
def test_a_customer_changed_between_preview_and_confirm_is_reported(assistant, salesperson, customer):
    staged = imports.import_stage(
        actor=assistant, kind="customers", file=_sheet(customer, "021-99999999", "sales1")
    )
    assert staged.report.ok and staged.report.updated == 1
    customer_update(
        actor=salesperson,
        customer_id=customer.pk,
        data={"phone": "021-22222222"},
        expected_version=customer.version,
    )
    with pytest.raises(CustomerError, match=customer.name):
        imports.import_commit(actor=assistant, job_id=staged.job.pk)
    customer.refresh_from_db()
    assert customer.phone == "021-22222222", "the colleague's change stands"
    assert ImportBatch.objects.count() == 0


@pytest.mark.usefixtures("_media")
def test_an_unchanged_row_whose_customer_was_edited_since_the_preview_is_reported_too(
    assistant, salesperson, customer
):
    """The preview said "unchanged"; confirming must not now revert the colleague's edit."""
    staged = imports.import_stage(
        actor=assistant, kind="customers", file=_sheet(customer, customer.phone, "sales1")
    )
    assert staged.report.skipped == 1
    customer_update(
        actor=salesperson,
        customer_id=customer.pk,
        data={"phone": "021-33333333"},
        expected_version=customer.version,
    )
    with pytest.raises(CustomerError):
        imports.import_commit(actor=assistant, job_id=staged.job.pk)
    assert Customer.objects.get(pk=customer.pk).phone == "021-33333333"


@pytest.mark.usefixtures("_media")
def test_on_the_screen_the_confirm_says_what_changed(client_for, assistant, salesperson, customer):
    client = client_for(assistant)
    response = client.post(
        reverse("customers:import"),
        {"kind": "customers", "file": _sheet(customer, "021-99999999", "sales1")},
        follow=True,
    )
    token = response.context["token"]
    customer_update(
        actor=salesperson,
        customer_id=customer.pk,
        data={"phone": "021-22222222"},
        expected_version=customer.version,
    )
    response = client.post(
        reverse("customers:import_confirm"), {"token": token}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Since the preview, someone changed" in response.content.decode()
    assert customer.name in response.content.decode()
