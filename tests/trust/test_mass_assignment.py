"""Mass assignment: fields a form does not offer (owner, grade, status, approved_by, department,
state...) change nothing when posted anyway; ids outside the user's reach are refused."""

import datetime as dt

import pytest
from django.urls import reverse

from blacklist.models import BlacklistEntry, EntryState
from complaints import services as complaint_services
from complaints.models import Ticket
from customers.models import Customer
from grading.models import GradeProposal, Incident
from tests.factories import ContactFactory, make_credit_code
from visits.models import VisitPlan, VisitReport

pytestmark = pytest.mark.django_db


def smuggled(*, owner, department, approver):
    """What an attacker adds to any form post."""
    return {
        "owner": owner.pk,
        "owner_id": owner.pk,
        "department": department.pk,
        "department_id": department.pk,
        "grade": "A",
        "grade_provisional": "on",
        "status": "inactive",
        "state": "approved",
        "approved_by": approver.pk,
        "decided_by": approver.pk,
        "is_blacklisted": "on",
        "blacklisted_until": "2099-01-01",
        "readmission_required": "on",
        "version": 999,
        "created_by": approver.pk,
        "received_by": approver.pk,
        "is_deleted": "on",
        "number": "TS-1999-000001",
        "escalated": "on",
        "major": "on",
        "is_major": "on",
        "major_at": "2020-01-01T00:00",
        "deadline_at": "2099-01-01T00:00",
        "handler": approver.pk,
        "author": approver.pk,
        "last_onsite_visit_on": "2099-01-01",
    }


def form_values(response):
    form = response.context["form"]
    out = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        out[name] = (
            [getattr(v, "pk", v) for v in value]
            if isinstance(value, (list, tuple))
            else getattr(value, "pk", value)
        )
    return out


def test_customer_edit_ignores_owner_grade_status_department(
    client_for, salesperson, south_salesperson, south, gm_office, customer
):
    client = client_for(salesperson)
    url = reverse("customers:edit", args=[customer.pk])
    data = form_values(client.get(url))
    data.update(smuggled(owner=south_salesperson, department=south, approver=gm_office))
    data["version"] = customer.version
    data["phone"] = "021-12345678"
    assert client.post(url, data).status_code == 302
    after = Customer.objects.get(pk=customer.pk)
    assert after.phone == "021-12345678", "the offered field was saved"
    assert (after.owner_id, after.department_id, after.grade, after.status) == (
        customer.owner_id,
        customer.department_id,
        customer.grade,
        customer.status,
    )
    assert not after.is_blacklisted and after.blacklisted_until is None and not after.readmission_required
    assert after.version == customer.version + 1 and not after.is_deleted


def test_a_salesperson_creating_a_customer_owns_it_whatever_is_posted(
    client_for, salesperson, other_salesperson, south, gm_office
):
    client = client_for(salesperson)
    data = form_values(client.get(reverse("customers:create")))
    data.update(smuggled(owner=other_salesperson, department=south, approver=gm_office))
    data.update(
        {
            "name": "宁波新港物流有限公司",
            "credit_code": make_credit_code(8801),
            "province": "浙江省",
            "source_channel": "trade_fair",
            "staff_size": "",
        }
    )
    data.pop("version", None)
    response = client.post(reverse("customers:create"), data)
    assert response.status_code == 302, response.context["form"].errors
    created = Customer.objects.get(name="宁波新港物流有限公司")
    assert created.owner == salesperson and created.department_id == salesperson.department_id
    assert created.grade != "A" and created.status != "inactive" and not created.is_blacklisted
    assert created.created_by == salesperson


def test_an_assistant_cannot_give_a_customer_to_another_departments_salesperson(
    client_for, assistant, south_salesperson
):
    client = client_for(assistant)
    data = form_values(client.get(reverse("customers:create")))
    data.update(
        {
            "name": "无锡远航机电有限公司",
            "credit_code": make_credit_code(8802),
            "province": "江苏省",
            "source_channel": "trade_fair",
            "owner": south_salesperson.pk,
        }
    )
    response = client.post(reverse("customers:create"), data)
    assert response.status_code == 200 and "owner" in response.context["form"].errors
    assert not Customer.objects.filter(name="无锡远航机电有限公司").exists()


def test_a_proposal_posted_as_approved_is_created_pending(client_for, salesperson, manager, south, customer):
    client = client_for(salesperson)
    url = reverse("grading:propose", args=[customer.pk])
    data = {"to_grade": "B", "reason": "业务量增长"}
    data.update(smuggled(owner=salesperson, department=south, approver=manager))
    assert client.post(url, data).status_code == 302
    proposal = GradeProposal.objects.get(customer=customer)
    assert proposal.state != "approved" and proposal.proposed_by == salesperson
    customer.refresh_from_db()
    assert customer.grade == "C", "only an approval changes the grade"


def test_a_blacklist_report_posted_as_active_is_only_reported(
    client_for, manager, gm_office, south, customer
):
    client = client_for(manager)
    data = {"reason_category": "payment", "reason": "拖欠货款", "loss_amount": "5000", "loss_description": ""}
    data.update(smuggled(owner=manager, department=south, approver=gm_office))
    data.update({"starts_on": "2020-01-01", "ends_on": "2099-01-01"})
    response = client.post(reverse("blacklist:entry_create", args=[customer.pk]), data)
    assert response.status_code == 302
    entry = BlacklistEntry.objects.get(customer=customer)
    assert entry.state == EntryState.REPORTED and entry.decided_by is None and entry.ends_on is None
    customer.refresh_from_db()
    assert not customer.is_blacklisted and customer.status == "active"


def test_a_complaint_cannot_be_filed_already_escalated_or_for_an_invisible_customer(
    client_for,
    salesperson,
    manager,
    south,
    south_customer,
    customer,
):
    client = client_for(salesperson)
    base = {"complaint_type": "quality", "channel": "phone", "description": "包装破损", "claim_amount": "0"}
    response = client.post(reverse("complaints:create"), {**base, "customer": south_customer.pk})
    assert response.status_code == 200 and "customer" in response.context["form"].errors
    assert not Ticket.objects.exists()
    data = {**base, "customer": customer.pk, **smuggled(owner=manager, department=south, approver=manager)}
    assert client.post(reverse("complaints:create"), data).status_code == 302
    ticket = Ticket.objects.get()
    assert (
        ticket.received_by == salesperson
        and ticket.status == "received"
        and ticket.major_at is None
        and not ticket.is_major
    )
    assert ticket.handler_id is None and not ticket.number.startswith("TS-1999")


def test_a_visit_plan_cannot_name_outside_visitors_or_contacts(
    client_for, salesperson, south_salesperson, customer, south_customer
):
    foreign_contact = ContactFactory(customer=south_customer, name="外部联系人")
    client = client_for(salesperson)
    url = reverse("visits:plan_create") + f"?customer={customer.pk}"
    planned = (dt.datetime.now() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        url,
        {
            "customer": customer.pk,
            "purpose": "回访",
            "planned_at": planned,
            "visitors": [south_salesperson.pk],
            "contacts": [foreign_contact.pk],
        },
    )
    assert response.status_code == 200
    assert {"visitors", "contacts"} <= set(response.context["form"].errors)
    assert not VisitPlan.objects.exists()


def test_a_visit_report_cannot_be_written_for_someone_else(
    client_for, salesperson, other_salesperson, south, customer
):
    client = client_for(salesperson)
    url = reverse("visits:report_create") + f"?customer={customer.pk}"
    data = form_values(client.get(url))
    data.update(smuggled(owner=other_salesperson, department=south, approver=other_salesperson))
    data.update({"customer": customer.pk, "mode": "onsite", "latest_needs": "新报价"})
    assert client.post(url, data).status_code == 302
    report = VisitReport.objects.get()
    assert report.author == salesperson and report.customer == customer


def test_an_incident_cannot_be_filed_against_an_invisible_customer(client_for, manager, south_customer):
    client = client_for(manager)
    response = client.post(
        reverse("grading:incident_add", args=[south_customer.pk]),
        {
            "incident_type": "late_payment",
            "occurred_on": "2026-01-05",
            "description": "逾期",
        },
    )
    assert response.status_code == 404 and not Incident.objects.exists()


def test_complaint_actions_ignore_smuggled_state(client_for, salesperson, manager, south, customer, east):
    ticket = complaint_services.ticket_create(
        actor=salesperson,
        customer_id=customer.pk,
        channel="phone",
        complaint_type="quality",
        description="划伤",
    )
    client = client_for(salesperson)
    client.post(
        reverse("complaints:feedback", args=[ticket.pk]),
        {
            "feedback-given_at": "2026-01-05T10:00",
            "feedback-method": "phone",
            "feedback-content": "已电话告知进度",
            **{
                f"feedback-{k}": v
                for k, v in smuggled(owner=manager, department=south, approver=manager).items()
            },
        },
    )
    ticket.refresh_from_db()
    assert ticket.status == "received" and ticket.handler_id is None
