"""The permission matrix, continued for the admin (issue 13 §1): every URL the admin site
generates for a model that names an object — change, delete, history, django-simple-history's
version page (and revert), the `<id>/` redirect, auth's password form and our own custom views —
is tried by every staff persona of every department with the ids of records outside that
persona's `get_queryset`; each must answer 404 (or 403), never the page. The URLs are enumerated
from the URL conf, so a new admin view that is not scoped fails here by name.
"""

import re

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory

from crm.admin_base import ObjectScopeMixin
from crm.models import Role
from customers.models import AccessLog, Customer
from tests.factories import UserFactory

from .test_permission_matrix import users, world  # noqa: F401  the same fixtures and records
from .urlconf import admin_routes

pytestmark = pytest.mark.django_db

_GROUP = re.compile(r"<[^>]+>|\((?!\?P<url>)[^)]*\)")


def _object_routes():
    """(model, pattern) for every admin URL of a registered model that takes an object id."""
    by_prefix = {f"admin/{m._meta.app_label}/{m._meta.model_name}/": m for m in admin.site._registry}
    for route in admin_routes():
        for prefix, model in by_prefix.items():
            rest = route.pattern[len(prefix) :]
            if route.pattern.startswith(prefix) and _GROUP.search(rest):
                yield model, route.pattern


def _url(pattern: str, *ids) -> str:
    values = iter(str(i) for i in ids)
    url = _GROUP.sub(lambda m: next(values, "1"), pattern.replace("^", "").replace("$", ""))
    return "/" + url


def _outside(model, user):
    """A record of `model` outside this user's admin queryset (and, with history, one of its versions)."""
    request = RequestFactory().get("/admin/")
    request.user = user
    obj = model._default_manager.exclude(
        pk__in=admin.site._registry[model].get_queryset(request).values("pk")
    ).first()
    if obj is None:
        return None
    history = getattr(obj, "history", None)
    version = history.first().history_id if history is not None and history.exists() else 1
    return obj.pk, version


@pytest.fixture
def personas(users, south_manager, south):  # noqa: F811
    south_assistant = UserFactory(
        username="assistant_s", full_name="周敏", role=Role.ASSISTANT, department=south
    )
    return {
        "east assistant": users["assistant"],
        "east manager": users["manager"],
        "south assistant": south_assistant,
        "south manager": south_manager,
        "gm_office": users["gm_office"],
        "admin": users["admin"],
    }


def test_every_registered_admin_scopes_its_object_urls():
    unscoped = sorted(
        m._meta.label_lower for m, ma in admin.site._registry.items() if not isinstance(ma, ObjectScopeMixin)
    )
    assert not unscoped, "admins without ObjectScopeMixin: " + ", ".join(unscoped)


def test_every_admin_object_url_of_a_record_out_of_scope_is_404(personas, world):  # noqa: F811
    routes = list(_object_routes())
    kinds = {p.rsplit("/", 2)[-2] if not p.endswith(">/") else "redirect" for _, p in routes}
    assert {"change", "delete", "history", "password", "decide"} <= kinds | {
        p.split("/")[-2] for _, p in routes
    }
    assert any("history/(" in p for _, p in routes), "the history-version URLs are enumerated"
    wrong, tried = [], set()
    for label, user in personas.items():
        client = Client()
        client.force_login(user)
        for model, pattern in routes:
            outside = _outside(model, user)
            if outside is None:
                continue
            url = _url(pattern, *outside)
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                tried.add((model._meta.label_lower, label))
                if response.status_code not in (403, 404):
                    wrong.append(
                        f"{method.upper()} {url} ({model._meta.label_lower}) as {label}: "
                        f"{response.status_code}"
                    )
    assert not wrong, "\n".join(wrong)
    # The records of the other department were really tried, history included.
    for label in (
        "customers.customer",
        "customers.contact",
        "customers.yearlyfigure",
        "grading.gradeproposal",
        "complaints.ticket",
        "blacklist.blacklistentry",
        "visits.visitreport",
    ):
        for persona in ("east assistant", "east manager", "south manager"):
            assert (label, persona) in tried, f"{label} not tried as {persona}"


def test_the_history_version_of_another_departments_contact_is_404(users, world):  # noqa: F811
    """The attack of the report: a 华东 manager reading a 华南 contact's old version (mobile, WeChat)."""
    from customers.models import Contact

    contact = Contact.objects.get(pk=world["south"]["contact"])
    version = contact.history.first().history_id
    client = Client()
    client.force_login(users["manager"])
    for url in (
        f"/admin/customers/contact/{contact.pk}/history/",
        f"/admin/customers/contact/{contact.pk}/history/{version}/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert contact.mobile not in response.content.decode()
    own = Contact.objects.get(pk=world["own"]["contact"])
    assert (
        client.get(f"/admin/customers/contact/{own.pk}/history/{own.history.first().history_id}/").status_code
        == 200
    )


def test_reading_an_old_version_of_a_key_customer_is_logged(users, world):  # noqa: F811
    """查阅记录 (issue 14 §9): the version page and the edit form, like the change page."""
    customer = Customer.objects.get(pk=world["own"]["customer"])
    Customer.objects.filter(pk=customer.pk).update(is_key=True)
    version = customer.history.first().history_id
    client = Client()
    client.force_login(users["manager"])
    urls = [
        f"/admin/customers/customer/{customer.pk}/history/{version}/",
        f"/admin/customers/customer/{customer.pk}/change/",
        f"/admin/customers/customer/{customer.pk}/history/",
    ]
    for url in urls:
        before = AccessLog.objects.filter(customer=customer, user=users["manager"]).count()
        assert client.get(url).status_code == 200, url
        assert AccessLog.objects.filter(customer=customer, user=users["manager"]).count() == before + 1, url
    contact_version = customer.contacts.get().history.first().history_id
    before = AccessLog.objects.count()
    client.get(f"/admin/customers/contact/{world['own']['contact']}/history/{contact_version}/")
    assert AccessLog.objects.filter(customer=customer).count() == AccessLog.objects.count() == before + 1
