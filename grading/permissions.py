"""Who may do what in grading (domain §3, roles of §1): one named predicate per decision.

Services raise GradingPermissionDenied on them (a PermissionDenied that is also the domain
error, so a screen shows its message), views, panels and the admin ask them, and the
permission matrix (tests/trust/test_permission_matrix.py) declares the same answers per role
(tests/grading/test_permissions.py checks the predicates against it). Whether the user may see a
customer, and so its evaluations, incidents and proposals, is decided by
customers.selectors.customer_list_for; the admin's and the review page's department scope by
grading.selectors.scope_by_department.
"""

from django.utils.translation import gettext as _

from crm.models import User

from .models import GradeProposal, ProposalState


def evaluation_create_allowed(user: User) -> bool:
    """Salespeople (own customers), managers and 总经办 fill in the evaluation sheet (§3)."""
    return user.is_active and (user.is_salesperson or user.is_manager or user.is_gm_office)


def proposal_create_allowed(user: User) -> bool:
    """Salespeople (own customers), managers (their department) and 总经办 propose (§3)."""
    return user.is_active and (user.is_salesperson or user.is_manager or user.is_gm_office)


def provisional_assign_allowed(user: User) -> bool:
    """Asking for the rules' provisional grade now: whoever proposes, and 销售内勤 who keeps the archive."""
    return proposal_create_allowed(user) or (user.is_active and user.is_assistant)


def incident_record_allowed(user: User) -> bool:
    """Incidents (late payments, quality disputes…) are recorded by everyone who works with customers."""
    return user.is_active and (
        user.is_salesperson or user.is_assistant or user.is_manager or user.is_gm_office
    )


def proposal_withdraw_allowed(user: User, proposal: GradeProposal) -> bool:
    """The proposer takes back their proposal; a system proposal, the customer's department manager."""
    if proposal.proposed_by_id is not None:
        return proposal.proposed_by_id == user.pk
    return user.is_manager and user.department_id == proposal.customer.department_id


def proposal_manager_step_allowed(user: User, proposal: GradeProposal) -> bool:
    """The first step: the manager of the customer's department, never on their own proposal."""
    return (
        user.is_active
        and user.is_manager
        and user.department_id == proposal.customer.department_id
        and proposal.proposed_by_id != user.pk
    )


def proposal_gm_step_allowed(user: User, proposal: GradeProposal) -> bool:
    """The second step (a promotion to A, or a manager's own proposal): 总经办, never on their own."""
    return user.is_active and user.is_gm_office and proposal.proposed_by_id != user.pk


def approval_refusal(user: User, proposal: GradeProposal) -> str | None:
    """Why `user` may not decide `proposal` now, or None if it is their turn.

    The steps (§3): the customer's department manager, then 总经办 when the new grade is A.
    A salesperson never approves; nobody decides their own proposal; a decided proposal
    reads "already decided" (the second of two managers clicking at once lands here).
    """
    if not user.is_active or user.is_salesperson or user.is_assistant:
        return _("You may not approve grade changes.")
    if proposal.state not in (ProposalState.PENDING_MANAGER, ProposalState.PENDING_GM):
        return _("This proposal has already been decided.")
    if proposal.proposed_by_id == user.pk:
        return _("You cannot decide your own proposal.")
    if proposal.state == ProposalState.PENDING_MANAGER:
        if proposal_manager_step_allowed(user, proposal):
            return None
        if user.is_gm_office:
            return _("The department manager has not approved this proposal yet.")
        return _("Only the manager of the customer's department may take this step.")
    # Awaiting 总经办: a manager who comes now was beaten to it or already approved.
    if proposal_gm_step_allowed(user, proposal):
        return None
    if user.is_manager:
        return _("This proposal has already been decided.")
    return _("Only the general manager's office may take this step.")


def proposal_approve_allowed(user: User, proposal: GradeProposal) -> bool:
    """It is `user`'s turn on `proposal` (approve or reject: the same person decides)."""
    return approval_refusal(user, proposal) is None


def proposal_queue_allowed(user: User) -> bool:
    """The approvers' queue is in the admin: the roles that may log in there (crm.roles)."""
    return user.is_active and user.is_staff


def review_view_allowed(user: User) -> bool:
    """The 分级评审 page: the managers, 总经办, the administrator and 销售内勤 (their department)."""
    return user.is_manager or user.is_gm_office or user.is_administrator or user.is_assistant


def review_round_start_allowed(user: User) -> bool:
    """A manager (their department), 总经办 or the administrator starts a review round (§3)."""
    return user.is_active and (user.is_manager or user.is_gm_office or user.is_administrator)


def readmission_grade_allowed(*, manager: User, gm: User) -> bool:
    """Re-admission after the blacklist (§4) sets grade C once 总经办 and a department manager agreed."""
    return gm.is_gm_office and manager.is_manager
