"""Who may do what with the blacklist (domain §1, §4).

Named predicates: the services raise BlacklistError on them, the views, panels, selectors, admin
and templates ({% allowed "blacklist.blacklist_entry_approve_allowed" user entry as may %})
ask them, and the permission matrix checks them against the HTTP answers. Whether the user may
see an entry at all follows its customer (blacklist.selectors.entries_visible_to).

- a manager reports (上报) a customer of the department straight to 总经办; a salesperson
  proposes an own customer, which the department's manager submits or rejects;
- 总经办 verifies: approves or rejects what reached it;
- re-admission (重新准入) is requested by anyone who sees the customer except 总经办, and
  approved by 总经办 and the department's manager, in either order (either may refuse);
- the 黑名单报表: managers (their department), 总经办 and the administrator (all).
"""

from crm.models import User
from crm.permissions import all_departments_view_allowed

from .models import BlacklistEntry, EntryState, ReadmissionRequest, ReadmissionState

GM_OFFICE, MANAGER = "gm_office", "manager"


def _department_manager(user: User, department_id: int | None) -> bool:
    return user.is_manager and user.department_id is not None and user.department_id == department_id


def blacklist_verification_allowed(user: User) -> bool:
    """总经办 verifies reports and gives the company's approval of a re-admission."""
    return user.is_gm_office


def blacklist_proposal_review_allowed(user: User) -> bool:
    """A department's manager submits or rejects the salespeople's proposals of the department."""
    return user.is_manager and user.department_id is not None


def blacklist_decision_allowed(user: User) -> bool:
    """Someone who decides on entries or re-admissions at all: 总经办 or a department's manager
    (the admin offers its decision actions only to them; each row is still checked below)."""
    return blacklist_verification_allowed(user) or blacklist_proposal_review_allowed(user)


def blacklist_entry_report_allowed(user: User, customer=None) -> bool:
    """上报 or propose: a manager (any customer of the department), a salesperson (an own customer).

    Without a customer: whether the role may report at all (the form's door).
    """
    if user.is_manager:
        return True
    return user.is_salesperson and (customer is None or customer.owner_id == user.pk)


def blacklist_report_to_gm_allowed(user: User) -> bool:
    """A manager's report goes straight to 总经办; anyone else's is a proposal to the manager."""
    return user.is_manager


def blacklist_entry_submit_allowed(user: User, entry: BlacklistEntry) -> bool:
    return entry.awaiting_manager and _department_manager(user, entry.department_id)


def blacklist_entry_approve_allowed(user: User, entry: BlacklistEntry) -> bool:
    """Only what reached 总经办 (a report, or a submitted proposal) is approved, by 总经办."""
    return (
        entry.state == EntryState.REPORTED
        and not entry.awaiting_manager
        and blacklist_verification_allowed(user)
    )


def blacklist_entry_reject_allowed(user: User, entry: BlacklistEntry) -> bool:
    """总经办 rejects what reached it; the department's manager a proposal not yet submitted."""
    return blacklist_entry_approve_allowed(user, entry) or (
        entry.state == EntryState.REPORTED and blacklist_entry_submit_allowed(user, entry)
    )


def blacklist_readmission_request_allowed(user: User, entry: BlacklistEntry) -> bool:
    """The customer of an expired entry; 总经办 approves re-admission and does not request it."""
    return entry.state == EntryState.EXPIRED and not blacklist_verification_allowed(user)


def readmission_approval_of(user: User, department_id: int | None) -> str | None:
    """Which of the two approvals of a re-admission this user gives: GM_OFFICE, MANAGER or None."""
    if blacklist_verification_allowed(user):
        return GM_OFFICE
    if _department_manager(user, department_id):
        return MANAGER
    return None


def blacklist_readmission_approve_allowed(user: User, req: ReadmissionRequest) -> bool:
    """A pending request still missing this user's approval (总经办's or the department manager's)."""
    if req.state != ReadmissionState.PENDING:
        return False
    approval = readmission_approval_of(user, req.entry.department_id)
    if approval == GM_OFFICE:
        return req.gm_approved_at is None
    return approval == MANAGER and req.manager_approved_at is None


def blacklist_readmission_reject_allowed(user: User, req: ReadmissionRequest) -> bool:
    return (
        req.state == ReadmissionState.PENDING
        and readmission_approval_of(user, req.entry.department_id) is not None
    )


def blacklist_report_view_allowed(user: User) -> bool:
    """The 黑名单报表: 总经办 (all departments), managers (their own) and the administrator."""
    return bool(user.is_authenticated and (user.is_manager or all_departments_view_allowed(user)))
