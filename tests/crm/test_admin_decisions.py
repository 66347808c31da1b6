"""The one approval screen (crm/admin_decisions.py) as each of its three admins uses it: the
actions named by the admin's texts, the comment page with the admin's columns, the change page's
form or the reason it is not shown, a refused record named in the bulk action's message."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from crm.admin_decisions import DecisionAdminMixin
from engagement.models import TierProposal
from engagement.services import customer_tier_set
from sales.models import Agreement
from sales.services import agreement_create, agreement_submit

pytestmark = pytest.mark.django_db


def _decision_admins():
    return {
        m._meta.label_lower: ma
        for m, ma in admin.site._registry.items()
        if isinstance(ma, DecisionAdminMixin)
    }


def _agreement(salesperson, customer, number="XS-7"):
    now = dt.datetime(2026, 11, 1, 10, 0, tzinfo=dt.UTC)
    a = agreement_create(
        actor=salesperson,
        customer_id=customer.pk,
        number=number,
        amount=Decimal(100000),
        signed_on=dt.date(2026, 11, 1),
        valid_from=dt.date(2026, 11, 1),
        valid_until=dt.date(2027, 10, 31),
        instalments=[(dt.date(2027, 1, 1), Decimal(100000))],
        now=now,
    )
    return agreement_submit(agreement_id=a.pk, actor=salesperson, now=now)


def test_the_three_approval_queues_use_the_mixin_and_name_their_actions(manager):
    admins = _decision_admins()
    assert set(admins) == {"grading.gradeproposal", "engagement.tierproposal", "sales.agreement"}
    request = RequestFactory().get("/admin/")
    request.user = manager
    for label, model_admin in admins.items():
        texts = model_admin.decision_texts
        actions = model_admin.get_actions(request) if label != "engagement.tierproposal" else {}
        for name, text in (
            ("approve_selected", texts.approve_action),
            ("reject_selected", texts.reject_action),
        ):
            assert model_admin.get_action(name)[2] == text
            if actions:  # the manager may approve grade changes and agreements, not tiers
                assert actions[name][2] == text
        assert reverse(f"admin:{model_admin._decide_url_name()}", args=[1]).endswith("/1/decide/")


def test_comment_page_shows_the_admins_columns(client_for, manager, salesperson, customer):
    agreement = _agreement(salesperson, customer)
    page = client_for(manager).post(
        reverse("admin:sales_agreement_changelist"),
        {"action": "reject_selected", "_selected_action": [agreement.pk]},
    )
    html = page.content.decode()
    assert page.status_code == 200 and "XS-7" in html and customer.display_name in html
    assert 'name="comment"' in html and "required" in html
    assert Agreement.objects.get(pk=agreement.pk).state == "pending_manager"


def test_a_refused_record_is_named_in_the_bulk_message(
    client_for, manager, south_manager, salesperson, customer
):
    agreement = _agreement(salesperson, customer, number="XS-8")
    url = reverse("admin:sales_agreement_changelist")
    # Reject without a comment: the service refuses, the message names the agreement.
    response = client_for(manager).post(
        url,
        {"action": "reject_selected", "_selected_action": [agreement.pk], "apply": "1", "comment": ""},
        follow=True,
    )
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert len(errors) == 1 and errors[0].startswith("XS-8: ")
    assert Agreement.objects.get(pk=agreement.pk).state == "pending_manager"


def test_tier_change_page_shows_the_form_to_gm_office_and_why_not_to_others(
    client_for, manager, gm_office, customer
):
    proposal = customer_tier_set(
        actor=manager, customer_id=customer.pk, to_tier="strategic", reason="技术合作"
    )
    url = reverse("admin:engagement_tierproposal_change", args=[proposal.pk])
    gm_page = client_for(gm_office).get(url).content.decode()
    assert 'id="engagement-decide"' in gm_page and 'form="engagement-decide-form"' in gm_page
    manager_page = client_for(manager).get(url)
    assert manager_page.status_code == 200 and manager_page.context["can_decide"] is False
    client_for(gm_office).post(
        reverse("admin:engagement_tierproposal_decide", args=[proposal.pk]),
        {"decision": "approve", "comment": "同意"},
    )
    proposal.refresh_from_db()
    assert (proposal.state, proposal.comment, proposal.decided_by) == ("approved", "同意", gm_office)
    assert TierProposal.objects.count() == 1
