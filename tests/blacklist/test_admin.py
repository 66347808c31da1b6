import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from blacklist import services
from blacklist.models import BlacklistEntry, EntryState, ReadmissionState

from .conftest import at

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:blacklist_blacklistentry_changelist")


def test_gm_office_approves_in_the_admin_after_the_comment_page(
    client_for, gm_office, customer, report_entry
):
    entry = report_entry(customer)
    client = client_for(gm_office)
    data = {"action": "approve_entries", ACTION_CHECKBOX_NAME: [entry.pk]}
    page = client.post(CHANGELIST, data)
    assert page.status_code == 200 and "ends_on" in page.content.decode()
    assert BlacklistEntry.objects.get(pk=entry.pk).state == EntryState.REPORTED
    with time_machine.travel(at(2026, 3, 1), tick=False):
        client.post(CHANGELIST, {**data, "apply": "1", "ends_on": "2026-05-31", "comment": "属实"})
    entry.refresh_from_db()
    assert entry.state == EntryState.ACTIVE and str(entry.ends_on) == "2026-05-31"
    assert entry.decision_comment == "属实"


def test_reject_in_the_admin_needs_a_comment(client_for, gm_office, customer, report_entry):
    entry = report_entry(customer)
    client = client_for(gm_office)
    data = {"action": "reject_entries", ACTION_CHECKBOX_NAME: [entry.pk], "apply": "1"}
    client.post(CHANGELIST, {**data, "comment": ""})
    assert BlacklistEntry.objects.get(pk=entry.pk).state == EntryState.REPORTED
    client.post(CHANGELIST, {**data, "comment": "证据不足"})
    assert BlacklistEntry.objects.get(pk=entry.pk).state == EntryState.REJECTED


def test_a_manager_cannot_approve_in_the_admin(client_for, manager, customer, report_entry):
    entry = report_entry(customer)
    client_for(manager).post(
        CHANGELIST,
        {"action": "approve_entries", ACTION_CHECKBOX_NAME: [entry.pk], "apply": "1", "comment": ""},
    )
    assert BlacklistEntry.objects.get(pk=entry.pk).state == EntryState.REPORTED


def test_admin_changelist_is_scoped_to_the_department(
    client_for, manager, customer, south_customer, south_manager, report_entry, django_assert_max_num_queries
):
    mine = report_entry(customer)
    theirs = report_entry(south_customer, actor=south_manager)
    client = client_for(manager)
    with django_assert_max_num_queries(20):
        response = client.get(CHANGELIST)
    ids = {e.pk for e in response.context["cl"].result_list}
    assert ids == {mine.pk}
    assert client.get(reverse("admin:blacklist_blacklistentry_change", args=[theirs.pk])).status_code in (
        302,
        404,
    )


def test_state_is_read_only_in_the_admin(client_for, gm_office, customer, report_entry):
    entry = report_entry(customer)
    url = reverse("admin:blacklist_blacklistentry_change", args=[entry.pk])
    client = client_for(gm_office)
    assert client.get(url).status_code == 200
    client.post(url, {"state": "active", "reason": "changed"})
    entry.refresh_from_db()
    assert entry.state == EntryState.REPORTED and entry.reason != "changed"


def test_readmission_approved_in_the_admin_by_both(
    client_for, gm_office, manager, salesperson, customer, active_entry
):
    with time_machine.travel(at(2026, 1, 10), tick=False):
        entry = active_entry(customer)
    with time_machine.travel(at(2026, 7, 11), tick=False):
        services.blacklist_entry_expire()
    req = services.blacklist_readmission_request(
        actor=salesperson,
        entry_id=entry.pk,
        evaluation="ok",
        conditions=dict.fromkeys(services.EVALUATION_CONDITIONS, True),
    )
    url = reverse("admin:blacklist_readmissionrequest_changelist")
    for approver in (gm_office, manager):
        client_for(approver).post(
            url, {"action": "approve_requests", ACTION_CHECKBOX_NAME: [req.pk], "apply": "1"}
        )
    req.refresh_from_db()
    customer.refresh_from_db()
    assert req.state == ReadmissionState.APPROVED and customer.grade == "C"
