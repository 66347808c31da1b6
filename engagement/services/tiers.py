"""Tiers (客户层级, §9): the manager sets them with a reason; to or from 战略合作伙伴 waits for
总经办's approval. Only these services write Customer.tier; every change goes into TierChange."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import User
from crm.services import audit_record, company_language, gm_office_users, notification_send
from customers.models import Customer, CustomerTier

from ..models import TierChange, TierProposal, TierProposalState
from ..permissions import account_manager_set_allowed, tier_proposal_decide_allowed, tier_set_allowed
from .common import EngagementError, visible_customer


def needs_gm_approval(from_tier: str, to_tier: str) -> bool:
    return CustomerTier.STRATEGIC in (from_tier, to_tier)


def customer_tier_set(
    *, actor: User, customer_id: int, to_tier: str, reason: str, now: datetime | None = None
) -> TierChange | TierProposal:
    """The manager sets a customer's tier with a reason.

    A change to or from 战略合作伙伴 becomes a TierProposal for 总经办 (one open per customer,
    engagement_tierproposal_one_open); any other change applies at once. Raises EngagementError.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    if to_tier not in CustomerTier.values:
        raise EngagementError(_("Choose a tier."))
    if not reason:
        raise EngagementError(_("Give the reason for the change."))
    with transaction.atomic():
        customer = visible_customer(actor, customer_id, for_update=True)
        if not tier_set_allowed(actor, customer):
            raise EngagementError(_("Only the department's manager sets the tier."))
        if customer.tier == to_tier:
            raise EngagementError(_("The customer is already in this tier."))
        if TierProposal.objects.filter(customer=customer, state=TierProposalState.PENDING_GM).exists():
            raise EngagementError(_("This customer already has a tier change awaiting approval."))
        if needs_gm_approval(customer.tier, to_tier):
            proposal = TierProposal(
                customer=customer,
                from_tier=customer.tier,
                to_tier=to_tier,
                reason=reason,
                proposed_by=actor,
                created_at=now,
            )
            try:
                with transaction.atomic():
                    proposal.save()
            except IntegrityError as exc:
                raise EngagementError(
                    _("This customer already has a tier change awaiting approval.")
                ) from exc
            audit_record(
                actor=actor,
                action="engagement.tier.proposed",
                target=proposal,
                after={"from": proposal.from_tier, "to": to_tier, "reason": reason},
            )
            _notify_gm(proposal)
            return proposal
        change = _tier_apply(
            customer, to_tier=to_tier, reason=reason, proposed_by=actor, approved_by=None, now=now
        )
        audit_record(
            actor=actor,
            action="engagement.tier.changed",
            target=customer,
            before={"tier": change.from_tier},
            after={"tier": to_tier, "reason": reason},
        )
    return change


def tier_proposal_approve(
    *, proposal_id: int, approver: User, comment: str = "", now: datetime | None = None
) -> TierProposal:
    """总经办 approves a change to or from 战略合作伙伴; the tier changes and the history records it.

    The proposal row is locked: of two approvals at once the second reads "already decided".
    """
    return _decide(proposal_id=proposal_id, approver=approver, approved=True, comment=comment, now=now)


def tier_proposal_reject(
    *, proposal_id: int, approver: User, comment: str, now: datetime | None = None
) -> TierProposal:
    """总经办 rejects, saying why (the proposer is told)."""
    if not (comment or "").strip():
        raise EngagementError(_("Say why the proposal is rejected."))
    return _decide(proposal_id=proposal_id, approver=approver, approved=False, comment=comment, now=now)


def _decide(
    *, proposal_id: int, approver: User, approved: bool, comment: str, now: datetime | None
) -> TierProposal:
    now = now or timezone.now()
    comment = (comment or "").strip()
    with transaction.atomic():
        try:
            proposal = (
                TierProposal.objects.select_for_update(of=("self",))
                .select_related("customer")
                .get(pk=proposal_id)
            )
        except TierProposal.DoesNotExist as exc:
            raise EngagementError(_("Proposal not found.")) from exc
        if not proposal.is_open:
            raise EngagementError(_("This proposal has already been decided."))
        if not tier_proposal_decide_allowed(approver, proposal):
            raise EngagementError(_("Only the general manager's office may decide this tier change."))
        customer = Customer.objects.select_for_update().get(pk=proposal.customer_id)
        if approved and customer.tier != proposal.from_tier:
            raise EngagementError(_("The customer's tier has changed since the proposal: reject it."))
        proposal.state = TierProposalState.APPROVED if approved else TierProposalState.REJECTED
        proposal.decided_by, proposal.decided_at, proposal.comment = approver, now, comment
        proposal.save(update_fields=["state", "decided_by", "decided_at", "comment"])
        if approved:
            _tier_apply(
                customer,
                to_tier=proposal.to_tier,
                reason=proposal.reason,
                proposed_by=proposal.proposed_by,
                approved_by=approver,
                now=now,
                proposal=proposal,
            )
        audit_record(
            actor=approver,
            action="engagement.tier.approved" if approved else "engagement.tier.rejected",
            target=proposal,
            after={"state": proposal.state, "comment": comment},
        )
        _notify_proposer(proposal, approved=approved)
    return proposal


def tier_proposal_withdraw(*, proposal_id: int, actor: User, now: datetime | None = None) -> TierProposal:
    """The proposer takes back an open tier proposal."""
    now = now or timezone.now()
    with transaction.atomic():
        proposal = TierProposal.objects.select_for_update().filter(pk=proposal_id).first()
        if proposal is None or proposal.proposed_by_id != actor.pk:
            raise EngagementError(_("Only the proposer may withdraw a proposal."))
        if not proposal.is_open:
            raise EngagementError(_("This proposal has already been decided."))
        proposal.state, proposal.decided_at = TierProposalState.WITHDRAWN, now
        proposal.save(update_fields=["state", "decided_at"])
        audit_record(actor=actor, action="engagement.tier.withdrawn", target=proposal)
    return proposal


def _tier_apply(customer, *, to_tier, reason, proposed_by, approved_by, now, proposal=None) -> TierChange:
    change = TierChange.objects.create(
        customer=customer,
        proposal=proposal,
        from_tier=customer.tier,
        to_tier=to_tier,
        reason=reason,
        proposed_by=proposed_by,
        approved_by=approved_by,
        changed_at=now,
    )
    Customer.objects.filter(pk=customer.pk).update(tier=to_tier)
    customer.tier = to_tier
    return change


def _notify_gm(proposal: TierProposal) -> None:
    customer = proposal.customer
    with company_language():
        title = _("Tier change to approve: %(customer)s %(from)s → %(to)s") % {
            "customer": customer.display_name,
            "from": proposal.get_from_tier_display(),
            "to": proposal.get_to_tier_display(),
        }
    url = reverse("admin:engagement_tierproposal_change", args=[proposal.pk])
    transaction.on_commit(
        lambda: notification_send(
            recipients=[u for u in gm_office_users() if u.pk != proposal.proposed_by_id],
            kind="engagement_tier_approval",
            title=title,
            body=proposal.reason,
            url=url,
            dedup_key=f"engagement-tier-approve:{proposal.pk}",
        )
    )


def _notify_proposer(proposal: TierProposal, *, approved: bool) -> None:
    customer = proposal.customer
    with company_language():
        title = (
            _("Tier change approved: %(customer)s is now %(to)s")
            if approved
            else _("Tier change rejected: %(customer)s stays %(from)s")
        ) % {
            "customer": customer.display_name,
            "to": proposal.get_to_tier_display(),
            "from": proposal.get_from_tier_display(),
        }
    url = reverse("customers:detail", args=[customer.pk])
    transaction.on_commit(
        lambda: notification_send(
            recipients=[proposal.proposed_by],
            kind="engagement_tier_decision",
            title=title,
            body=proposal.comment,
            url=url,
            dedup_key=f"engagement-tier-decided:{proposal.pk}",
        )
    )


def customer_account_manager_set(
    *, actor: User, customer_id: int, account_manager_id: int | None, now: datetime | None = None
) -> Customer:
    """专员专管: the manager names the account manager (客户专员), an active user of the department.

    Raises EngagementError.
    """
    with transaction.atomic():
        customer = visible_customer(actor, customer_id, for_update=True)
        if not account_manager_set_allowed(actor, customer):
            raise EngagementError(_("Only the department's manager names the account manager."))
        person = None
        if account_manager_id:
            person = User.objects.filter(
                pk=account_manager_id,
                is_active=True,
                department_id=customer.department_id,
                role__in=["salesperson", "manager"],
            ).first()
            if person is None:
                raise EngagementError(
                    _("Choose an active salesperson or manager of the customer's department.")
                )
        before = customer.account_manager_id
        Customer.objects.filter(pk=customer.pk).update(account_manager=person)
        customer.account_manager = person
        audit_record(
            actor=actor,
            action="engagement.account_manager.set",
            target=customer,
            before={"account_manager": before},
            after={"account_manager": account_manager_id},
        )
    return customer
