"""Lists, search, counts, exports, admin changelists, autocomplete, dashboards and e-mails reveal
only what the viewer may see.

The strongest form of the rule: another department's data, added while the clock stands still,
changes not one byte of any page an east-department user can open (so no name, no count, no
total, no chart value leaks), and its notifications reach no east-department user.
"""

import datetime as dt
import io
import re
import zipfile

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import NoReverseMatch, reverse

from blacklist import services as blacklist_services
from complaints import services as complaint_services
from crm.models import Notification
from crm.services import notification_outbox_drain
from grading.services import incident_record, proposal_create
from tests.factories import ContactFactory, CustomerFactory, UserFactory
from visits import services as visit_services

from .urlconf import admin_routes, app_routes

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 10, 10, 0, tzinfo=dt.UTC)
SECRET = "机密南方"  # in every name and text of the south department's data

VOLATILE = [
    re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"'),
    re.compile(rb'csrf[-_]?token["\']?\s*[:=]\s*["\'][^"\']+["\']', re.I),
    re.compile(rb'"X-CSRFToken": "[^"]+"'),
    re.compile(rb'<meta name="csrf-token" content="[^"]+">'),
    # The one-time submission key of a form (issue 13.4): a new UUID at every render, like a CSRF token.
    re.compile(rb'name="submission_key" value="[^"]+"'),
]


def _normalise(response) -> bytes:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body[:2] == b"PK":  # an xlsx: compare the unpacked XML, not the zip's timestamps
        with zipfile.ZipFile(io.BytesIO(body)) as zf:
            body = b"".join(zf.read(n) for n in sorted(zf.namelist()))
    for rx in VOLATILE:
        body = rx.sub(b"", body)
    return body


def south_secrets(south_salesperson, south_manager):
    """The south department's data, through the services, each carrying SECRET in its text."""
    customer = CustomerFactory(
        name=f"{SECRET}化工有限公司",
        short_name=f"{SECRET}化工",
        owner=south_salesperson,
        grade="A",
        province="广东省",
        is_key=True,
    )
    other = CustomerFactory(
        name=f"{SECRET}塑料有限公司",
        short_name=f"{SECRET}塑料",
        owner=south_salesperson,
        grade="C",
        province="广东省",
    )
    ContactFactory(customer=customer, name=f"{SECRET}联系人", mobile="13912345678")
    complaint_services.ticket_create(
        actor=south_salesperson,
        customer_id=customer.pk,
        channel="phone",
        complaint_type="quality",
        description=f"{SECRET}投诉内容",
        claim_amount=500_000,
    )
    visit_services.visit_plan_create(
        actor=south_salesperson,
        customer_id=customer.pk,
        data={
            "purpose": f"{SECRET}拜访",
            "planned_at": NOW + dt.timedelta(days=2),
            "content": SECRET,
            "visitor_ids": [south_salesperson.pk],
            "contact_ids": [],
        },
        now=NOW,
    )
    visit_services.visit_report_create(
        author=south_salesperson,
        customer_id=customer.pk,
        data={
            "visited_on": NOW.date() - dt.timedelta(days=1),
            "mode": "onsite",
            "latest_needs": f"{SECRET}需求",
        },
    )
    proposal_create(actor=south_salesperson, customer_id=other.pk, to_grade="B", reason=f"{SECRET}理由")
    incident_record(
        actor=south_manager,
        customer_id=customer.pk,
        incident_type="late_payment",
        occurred_on=NOW.date() - dt.timedelta(days=3),
        description=f"{SECRET}问题",
    )
    blacklist_services.blacklist_entry_report(
        actor=south_manager,
        customer_id=other.pk,
        reason_category="payment",
        reason=f"{SECRET}黑名单",
        loss_amount=1,
    )
    return customer


def _dashboard_paths():
    try:
        from crm.dashboards import registry
    except ImportError:
        return []
    registry.autodiscover()
    paths = []
    for key in registry.drill_lists._items:
        paths.append(reverse("dashboard_list", args=[key]))
    for key in registry.charts._items:
        paths.append(reverse("dashboard_chart_export", args=[key]))
    return paths


def _pages(user) -> list[str]:
    """Every page without an id in its URL, with a search for SECRET where a page searches."""
    paths = []
    for route in app_routes():
        if route.params or route.name in ("logout", "login", "set_language"):
            continue
        try:
            base = reverse(route.name)
        except NoReverseMatch:
            continue
        # The search also matches contact names and mobiles (the south contact's is 13912345678).
        paths += [base, f"{base}?q={SECRET[:2]}", f"{base}?search={SECRET[:2]}", f"{base}?q=1391234"]
    paths += [reverse("customers:export") + f"?kind={k}" for k in ("customers", "contacts", "figures")]
    paths += _dashboard_paths()
    if user.is_staff:
        for route in admin_routes():
            if route.name and route.name.endswith("_changelist"):
                paths += [reverse(route.name), reverse(route.name) + f"?q={SECRET[:2]}"]
        paths.append(reverse("admin:index"))
    return paths


def _snapshot(client, paths) -> dict:
    out = {}
    for path in paths:
        response = client.get(path)
        if response.status_code == 200:
            out[path] = _normalise(response)
        else:
            out[path] = response.status_code
    return out


@pytest.mark.parametrize("role", ["salesperson", "assistant", "manager"])
def test_another_departments_data_changes_nothing_an_east_user_sees(
    role,
    request,
    salesperson,
    assistant,
    manager,
    customer,
    south_salesperson,
    south_manager,
    gm_office,
):
    user = request.getfixturevalue(role)
    client = Client()
    client.force_login(user)
    with time_machine.travel(NOW, tick=False):
        paths = _pages(user)
        before = _snapshot(client, paths)
        south_secrets(south_salesperson, south_manager)
        after = _snapshot(client, paths)
    seen = [p for p, body in after.items() if isinstance(body, bytes) and SECRET.encode() in body]
    assert not seen, f"{role} sees the south department's data on {seen}"
    changed = [p for p in paths if before[p] != after[p]]
    assert not changed, f"{role}: pages that changed when only the south department's data changed: {changed}"
    assert sum(isinstance(b, bytes) for b in after.values()) > 10, "the pages were actually read"


def test_the_controls_see_it(gm_office, south_salesperson, south_manager, salesperson):
    """The same pages do show the data to 总经办 and to the south salesperson (the test can see a leak)."""
    with time_machine.travel(NOW, tick=False):
        south_secrets(south_salesperson, south_manager)
        for viewer, path in (
            (gm_office, reverse("customers:list") + f"?q={SECRET}"),
            (gm_office, reverse("customers:list") + "?q=1391234"),
            (south_salesperson, reverse("customers:list")),
            (gm_office, reverse("complaints:list")),
            (gm_office, reverse("customers:export") + "?kind=customers"),
        ):
            client = Client()
            client.force_login(viewer)
            assert SECRET.encode() in _normalise(client.get(path)), (viewer, path)


def test_admin_autocomplete_offers_only_visible_records(
    client_for, assistant, south_salesperson, south_manager, customer
):
    south_secrets(south_salesperson, south_manager)
    client = client_for(assistant)
    from django.contrib import admin

    checked = 0
    for model, model_admin in admin.site._registry.items():
        for field_name in getattr(model_admin, "autocomplete_fields", ()):
            field = model._meta.get_field(field_name)
            url = reverse("admin:autocomplete") + (
                f"?term={SECRET[:2]}&app_label={model._meta.app_label}&model_name={model._meta.model_name}"
                f"&field_name={field_name}"
            )
            response = client.get(url)
            checked += 1
            assert SECRET not in response.content.decode(), (
                f"autocomplete {model.__name__}.{field_name} ({field})"
            )
    if not checked:
        # No autocomplete field is configured: the endpoint must still not leak customers.
        response = client.get(
            reverse("admin:autocomplete") + f"?term={SECRET[:2]}&app_label=customers"
            "&model_name=contact&field_name=customer"
        )
        assert SECRET not in response.content.decode()


def test_notifications_and_emails_of_south_events_reach_no_east_user(
    salesperson,
    other_salesperson,
    assistant,
    manager,
    south_salesperson,
    south_manager,
    gm_office,
    customer,
):
    south_manager.email, gm_office.email = "south.manager@example.com", "gm@example.com"
    south_manager.save(update_fields=["email"])
    gm_office.save(update_fields=["email"])
    mail.outbox.clear()
    with time_machine.travel(NOW, tick=False):
        south_secrets(south_salesperson, south_manager)
        notification_outbox_drain(now=NOW)
    east = [salesperson, other_salesperson, assistant, manager]
    assert not Notification.objects.filter(recipient__in=east).exists()
    east_addresses = {u.email for u in east}
    leaked = [m for m in mail.outbox if east_addresses & set(m.to)]
    assert not leaked, [(m.to, m.subject) for m in leaked]
    assert Notification.objects.filter(recipient__in=[south_manager, gm_office]).exists(), (
        "the control: someone is told"
    )


def test_a_manager_moved_to_another_department_stops_seeing_the_old_one(client_for, manager, customer, south):
    client = client_for(manager)
    assert client.get(reverse("customers:detail", args=[customer.pk])).status_code == 200
    manager.department = south
    manager.save(update_fields=["department"])
    assert client.get(reverse("customers:detail", args=[customer.pk])).status_code == 404


def test_inactive_users_are_not_offered_as_owners(client_for, manager, customer, east):
    gone = UserFactory(
        username="left_company",
        full_name=f"{SECRET}离职",
        role="salesperson",
        department=east,
        is_active=False,
    )
    client = client_for(manager)
    page = client.get(reverse("customers:reassign", args=[customer.pk]))
    assert gone.full_name not in page.content.decode()
