"""The archive's admin: scoped to what the user may see, workflow state read-only, saves via services."""

import pytest
from django.urls import reverse

from crm.models import AuditLog
from customers.models import AccessLog, ArchivePolicy, Customer, ImportBatch
from tests.factories import ContactFactory


@pytest.fixture(autouse=True)
def _no_axes(settings):
    settings.AXES_ENABLED = False


@pytest.mark.django_db
class TestCustomerAdmin:
    def test_changelist_is_scoped_to_the_department(self, client_for, manager, customer, south_customer):
        response = client_for(manager).get(reverse("admin:customers_customer_changelist"))
        assert response.status_code == 200
        shown = set(response.context["cl"].result_list)
        assert customer in shown and south_customer not in shown

    def test_other_departments_customer_is_not_found(self, client_for, manager, south_customer):
        response = client_for(manager).get(
            reverse("admin:customers_customer_change", args=[south_customer.pk])
        )
        assert response.status_code == 404  # every admin URL of an object out of scope (issue 13 §1)

    def test_grade_and_status_are_read_only_and_save_goes_through_the_service(
        self, client_for, administrator, customer
    ):
        url = reverse("admin:customers_customer_change", args=[customer.pk])
        client = client_for(administrator)
        form = client.get(url).context["adminform"].form
        for name in ("grade", "status", "is_blacklisted", "last_onsite_visit_on", "owner"):
            assert name not in form.fields
        data = {f: getattr(customer, f) or "" for f in form.fields}
        data.update(
            {
                "city": "无锡",
                "grade": "A",
                "status": "inactive",
                "is_key": "",
                "shares-TOTAL_FORMS": 0,
                "shares-INITIAL_FORMS": 0,
            }
        )
        response = client.post(url, data)
        assert response.status_code == 302, (
            response.context["adminform"].form.errors if response.context else ""
        )
        customer.refresh_from_db()
        assert customer.city == "无锡" and customer.grade == "C" and customer.status == "active"
        assert AuditLog.objects.filter(
            action="customers.customer.updated", target_id=str(customer.pk)
        ).exists()

    def test_no_add_or_delete(self, client_for, administrator, customer):
        client = client_for(administrator)
        assert client.get(reverse("admin:customers_customer_add")).status_code == 403
        assert client.get(reverse("admin:customers_customer_delete", args=[customer.pk])).status_code == 403


@pytest.mark.django_db
def test_contacts_admin_is_scoped(client_for, manager, customer, south_customer):
    mine, theirs = ContactFactory(customer=customer), ContactFactory(customer=south_customer)
    response = client_for(manager).get(reverse("admin:customers_contact_changelist"))
    shown = set(response.context["cl"].result_list)
    assert mine in shown and theirs not in shown


@pytest.mark.django_db
def test_access_log_and_imports_are_read_only(client_for, administrator, customer):
    log = AccessLog.objects.create(customer=customer, user=administrator, action="view")
    batch = ImportBatch.objects.create(kind="customers", file_name="a.xlsx", user=administrator)
    client = client_for(administrator)
    assert client.get(reverse("admin:customers_accesslog_changelist")).status_code == 200
    assert client.get(reverse("admin:customers_accesslog_add")).status_code == 403
    assert (
        client.post(reverse("admin:customers_accesslog_delete", args=[log.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert (
        client.post(
            reverse("admin:customers_importbatch_delete", args=[batch.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert AccessLog.objects.filter(pk=log.pk).exists()


@pytest.mark.django_db
def test_archive_policy_is_a_singleton(client_for, administrator):
    response = client_for(administrator).get(reverse("admin:customers_archivepolicy_changelist"))
    assert response.status_code == 302 and ArchivePolicy.objects.count() == 1


@pytest.mark.django_db
def test_all_archive_admin_pages_open(client_for, administrator, customer):
    ContactFactory(customer=customer)
    client = client_for(administrator)
    for model in ("customer", "contact", "qualificationdocument", "yearlyfigure", "accesslog", "importbatch"):
        assert client.get(reverse(f"admin:customers_{model}_changelist")).status_code == 200, model
    assert Customer.objects.count() == 1


@pytest.mark.django_db
def test_admin_views_of_a_key_customer_are_in_its_access_log(client_for, manager, customer):
    """查阅记录 (§2): the admin's change page and history show the archive too, so they are logged."""
    customer.is_key = True
    customer.save(update_fields=["is_key"])
    client = client_for(manager)
    assert client.get(reverse("admin:customers_customer_change", args=[customer.pk])).status_code == 200
    assert client.get(reverse("admin:customers_customer_history", args=[customer.pk])).status_code == 200
    rows = AccessLog.objects.filter(customer=customer, user=manager, action="view")
    assert rows.count() == 2
    assert {r.detail for r in rows} == {"admin", "admin history"}


@pytest.mark.django_db
def test_admin_view_of_an_ordinary_customer_is_not_logged(client_for, manager, customer):
    client_for(manager).get(reverse("admin:customers_customer_change", args=[customer.pk]))
    assert not AccessLog.objects.exists()


@pytest.mark.django_db
def test_admin_refuses_a_name_that_normalises_to_a_colleagues_customer(
    client, manager, customer, other_customer
):
    """A name differing only by a space is the same customer (normalised): one clear error, nothing saved."""
    from django.contrib.messages import get_messages

    client.force_login(manager)
    url = f"/admin/customers/customer/{customer.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    data.update({"name": "苏州华美 电子有限公司", "shares-TOTAL_FORMS": "0", "shares-INITIAL_FORMS": "0"})
    response = client.post(url, data)
    customer.refresh_from_db()
    assert customer.name == "上海恒力机械有限公司"
    body = response.content.decode() + " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert "已存在" in body
    assert "成功" not in body


@pytest.mark.django_db
def test_admin_shows_a_service_refusal_as_an_error_without_a_success_message(
    client, manager, customer, monkeypatch
):
    from django.contrib.messages import get_messages

    from customers import services
    from customers.services import CustomerError

    def refuse(**kwargs):
        raise CustomerError("规则不允许此修改。")

    monkeypatch.setattr(services, "customer_update", refuse)
    client.force_login(manager)
    url = f"/admin/customers/customer/{customer.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    data.update({"short_name": "新简称", "shares-TOTAL_FORMS": "0", "shares-INITIAL_FORMS": "0"})
    response = client.post(url, data)
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    customer.refresh_from_db()
    assert customer.short_name == "恒力机械"
    assert texts == ["规则不允许此修改。"]
