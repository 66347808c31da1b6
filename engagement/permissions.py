"""Who may do what with key accounts, contacts and customer care (domain §9, §14).

Named predicates: services raise on them, views and templates ask them, the permission matrix
(tests/trust/test_permission_matrix.py) declares the same answers per role. Whether the user
may see the customer at all is decided by customers.selectors.customer_list_for.
"""


def _is(user, *roles) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role in roles)


def tier_set_allowed(user, customer) -> bool:
    """The manager of the customer's department sets its tier (§9)."""
    return _is(user, "manager") and user.department_id == customer.department_id


def tier_proposal_decide_allowed(user, proposal) -> bool:
    """A change to or from 战略合作伙伴 is approved by 总经办; nobody decides their own."""
    return _is(user, "gm_office") and proposal.is_open and proposal.proposed_by_id != user.pk


def account_manager_set_allowed(user, customer) -> bool:
    """专员专管: the department's manager names the account manager (客户专员)."""
    return _is(user, "manager") and user.department_id == customer.department_id


def contact_log_allowed(user) -> bool:
    """Salespeople, managers and 总经办 log their own contacts (for customers they may see)."""
    return _is(user, "salesperson", "manager", "gm_office")


def cadence_view_allowed(user) -> bool:
    """The list of due and overdue contacts: everyone who owes contacts, and the administrator."""
    return _is(user, "salesperson", "manager", "gm_office", "admin") or bool(user and user.is_superuser)


def compliance_view_allowed(user) -> bool:
    """Compliance by tier, person and department: the managers and 总经办 (§9)."""
    return _is(user, "manager", "gm_office", "admin") or bool(user and user.is_superuser)


def compliance_widget_allowed(user) -> bool:
    """The 工作台's compliance widget: the managers and 总经办 (the administrator opens the page)."""
    return _is(user, "manager", "gm_office")


def unassigned_key_accounts_view_allowed(user) -> bool:
    return compliance_view_allowed(user)


def greetings_view_allowed(user) -> bool:
    """Greeting reminders go to the salesperson in charge (§14)."""
    return _is(user, "salesperson", "manager")


def meeting_view_allowed(user) -> bool:
    return _is(user, "assistant", "manager", "gm_office", "admin") or bool(user and user.is_superuser)


def meeting_manage_allowed(user, department_id: int | None = None) -> bool:
    """The department (its manager and sales assistants) records its customer meeting (§14)."""
    if not _is(user, "manager", "assistant"):
        return False
    return department_id is None or user.department_id == department_id
