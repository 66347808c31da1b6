"""The key-account section and the contact timeline of the customer page, and the compliance
widget of the managers' and 总经办's 工作台 (crm.registry). Constant queries, pinned by tests."""

from django.utils import timezone

from crm.models import Role, User
from crm.registry import panel_rows
from customers.models import KEY_ACCOUNT_TIERS, CustomerTier

from . import permissions, selectors
from .forms import TierForm
from .models import TierChange, TierProposal, TierProposalState

TIMELINE_ROWS = 20
HISTORY_ROWS = 5


def customer_keyaccount_reads(request, customer) -> dict:
    """The open tier proposal, the tier history, and the people a manager may name (crm.registry)."""
    reads = {
        "proposal": TierProposal.objects.filter(
            customer=customer, state=TierProposalState.PENDING_GM
        ).order_by("pk")[:1],
        "history": TierChange.objects.filter(customer=customer).select_related("proposed_by", "approved_by")[
            :HISTORY_ROWS
        ],
    }
    if permissions.account_manager_set_allowed(request.user, customer):
        reads["people"] = User.objects.filter(
            department_id=customer.department_id,
            is_active=True,
            role__in=[Role.SALESPERSON, Role.MANAGER],
        ).order_by("full_name")
    return reads


def customer_keyaccount_context(request, customer, rows=None) -> dict:
    """Tier, account manager, the open tier proposal, the tier history; the manager's forms."""
    rows = panel_rows(customer_keyaccount_reads, request, customer, rows)
    may_set = permissions.tier_set_allowed(request.user, customer)
    proposal = next(iter(rows["proposal"]), None)
    return {
        "customer": customer,
        "is_key_account": customer.tier in KEY_ACCOUNT_TIERS,
        "needs_manager": customer.tier in KEY_ACCOUNT_TIERS and not customer.account_manager_id,
        "proposal": proposal,
        "history": rows["history"],
        "may_set": may_set and proposal is None,
        "tier_form": TierForm(initial={"tier": customer.tier}) if may_set else None,
        "tiers": CustomerTier.choices,
        "people": rows.get("people", []),
    }


def customer_timeline_reads(request, customer) -> dict:
    return {"records": selectors.timeline_for(customer, limit=TIMELINE_ROWS)}


def customer_timeline_context(request, customer, rows=None) -> dict:
    """Contacts and visits on one timeline (visit reports are contacts of mode visit)."""
    rows = panel_rows(customer_timeline_reads, request, customer, rows)
    return {
        "customer": customer,
        "records": rows["records"],
        "can_log": permissions.contact_log_allowed(request.user),
    }


def compliance_widget_context(request, ctx) -> dict | None:
    user = request.user
    if not permissions.compliance_view_allowed(user):
        return None
    now = ctx.now
    return {
        "summary": selectors.compliance_summary(user, now=now),
        "unassigned": selectors.key_accounts_without_manager(user).count(),
        "without_meeting": selectors.departments_without_meeting(user, year=timezone.localdate(now).year),
    }
