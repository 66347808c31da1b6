"""总经办's tier queue (bulk reject with the comment page) and the administrator's cadence rows."""

import pytest
from django.urls import reverse

from customers.models import CustomerTier
from engagement.models import CadenceRule, TierProposal
from engagement.services import customer_tier_set

pytestmark = pytest.mark.django_db


def test_bulk_reject_asks_for_a_comment_then_rejects(client_for, manager, gm_office, customer, now):
    proposal = customer_tier_set(
        actor=manager, customer_id=customer.pk, to_tier="strategic", reason="技术合作"
    )
    url = reverse("admin:engagement_tierproposal_changelist")
    gm = client_for(gm_office)
    page = gm.post(url, {"action": "reject_selected", "_selected_action": [proposal.pk]})
    assert page.status_code == 200 and "textarea" in page.content.decode()
    gm.post(
        url,
        {"action": "reject_selected", "_selected_action": [proposal.pk], "apply": "1", "comment": "暂不调整"},
    )
    proposal.refresh_from_db()
    assert (proposal.state, proposal.comment, proposal.decided_by) == ("rejected", "暂不调整", gm_office)
    customer.refresh_from_db()
    assert customer.tier == CustomerTier.ORDINARY


def test_manager_cannot_decide_in_the_admin(client_for, manager, customer, now):
    proposal = customer_tier_set(
        actor=manager, customer_id=customer.pk, to_tier="strategic", reason="技术合作"
    )
    response = client_for(manager).post(
        reverse("admin:engagement_tierproposal_decide", args=[proposal.pk]), {"decision": "approve"}
    )
    assert response.status_code == 404
    assert TierProposal.objects.get().state == "pending_gm"


def test_administrator_edits_a_cadence_interval(client_for, administrator):
    rule = CadenceRule.objects.get(tier="key", who="head", how="any")
    assert rule.interval_days == 7
    client = client_for(administrator)
    assert client.get(reverse("admin:engagement_cadencerule_change", args=[rule.pk])).status_code == 200
    response = client.post(
        reverse("admin:engagement_cadencerule_change", args=[rule.pk]),
        {"tier": "key", "who": "head", "how": "any", "interval_days": 10, "is_active": "on"},
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.interval_days == 10
