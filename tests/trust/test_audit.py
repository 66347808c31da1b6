"""The audit trail cannot be edited or deleted from the admin or the UI; login failures and
permission refusals are logged."""

import pytest
from axes.models import AccessFailureLog, AccessLog
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from crm.models import AuditLog
from crm.services import audit_record

from .urlconf import app_routes

pytestmark = pytest.mark.django_db

RECORDS = [AuditLog, AccessFailureLog, AccessLog]


@pytest.fixture
def rows(administrator, customer):
    audit_record(actor=administrator, action="customers.customer.updated", target=customer, before={"a": 1})
    AccessFailureLog.objects.create(
        username="sales1",
        ip_address="203.0.113.7",
        user_agent="x",
        path_info="/login/",
        http_accept="*/*",
        locked_out=False,
    )
    AccessLog.objects.create(
        username="sales1", ip_address="203.0.113.7", user_agent="x", path_info="/login/", http_accept="*/*"
    )
    return {m: m.objects.order_by("pk").first() for m in RECORDS}


@pytest.mark.parametrize("model", RECORDS, ids=lambda m: m.__name__)
def test_a_superuser_cannot_add_change_or_delete_records_in_the_admin(model, rows, client_for, administrator):
    client = client_for(administrator)
    obj = rows[model]
    opts = model._meta
    before = model.objects.filter(pk=obj.pk).values().get()
    prefix = f"admin:{opts.app_label}_{opts.model_name}"
    assert client.get(reverse(f"{prefix}_changelist")).status_code == 200, "it can be read"
    assert client.get(reverse(f"{prefix}_add")).status_code == 403
    change = reverse(f"{prefix}_change", args=[obj.pk])
    page = client.get(change)
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert client.post(change, {"action": "x", "username": "forged"}).status_code == 403
    assert client.post(reverse(f"{prefix}_delete", args=[obj.pk]), {"post": "yes"}).status_code == 403
    response = client.post(
        reverse(f"{prefix}_changelist"),
        {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert model.objects.filter(pk=obj.pk).values().get() == before, "untouched"
    model_admin = admin.site._registry[model]
    assert "delete_selected" not in model_admin.get_actions(page.wsgi_request)


def test_no_screen_outside_the_admin_writes_to_the_audit_trail_directly():
    """The UI has no audit URL at all: no view to edit or delete an entry."""
    assert not [r for r in app_routes() if "audit" in r.pattern or "audit" in (r.name or "")]


def test_a_permission_refusal_is_logged_with_user_path_and_address(client_for, salesperson, customer):
    client = client_for(salesperson)
    response = client.get(reverse("customers:import"), REMOTE_ADDR="198.51.100.9")
    assert response.status_code == 403
    row = AuditLog.objects.get(action="security.permission_denied")
    assert row.actor == salesperson and row.ip_address == "198.51.100.9"
    assert row.after == {"method": "GET", "path": reverse("customers:import")}


def test_an_anonymous_refusal_is_logged_without_an_actor():
    response = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    row = AuditLog.objects.get(action="security.permission_denied")
    assert row.actor is None and row.after["path"] == reverse("login")


def test_a_refused_admin_page_is_logged(client_for, salesperson, assistant):
    """A salesperson is not staff: the admin sends them to its login page; an assistant opening
    an admin page their role does not allow is refused (403) and logged."""
    assert client_for(salesperson).get(reverse("admin:index")).status_code == 302
    client = client_for(assistant)
    assert client.get(reverse("admin:crm_user_add")).status_code == 403
    assert AuditLog.objects.filter(
        action="security.permission_denied", actor=assistant, after__path=reverse("admin:crm_user_add")
    ).exists()


def test_login_failures_are_logged(client, salesperson, settings):
    settings.AXES_ENABLED = True
    client.post(reverse("login"), {"username": "sales1", "password": "wrong"}, REMOTE_ADDR="198.51.100.7")
    client.post(reverse("login"), {"username": "nobody", "password": "wrong"}, REMOTE_ADDR="198.51.100.7")
    logged = set(AccessFailureLog.objects.values_list("username", "ip_address"))
    assert logged == {("sales1", "198.51.100.7"), ("nobody", "198.51.100.7")}


def test_successful_logins_are_logged_too(client, salesperson, settings):
    settings.AXES_ENABLED = True
    client.post(reverse("login"), {"username": "sales1", "password": "pw"}, REMOTE_ADDR="198.51.100.8")
    assert AccessLog.objects.filter(username="sales1", ip_address="198.51.100.8").exists()
