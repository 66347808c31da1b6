"""Who may do what with complaint tickets (domain §6, roles of §1).

Named predicates: the services raise ComplaintError on them, the views, panels and templates
({% allowed "complaints.ticket_assign_allowed" user ticket as may_assign %}) ask them, and the
permission matrix (tests/trust/test_permission_matrix.py) checks them against the HTTP answers.
Whether the user may see a ticket at all is complaints.selectors.ticket_list_for, which asks
the scope predicates at the bottom.

- open a ticket: anyone who may see the customer (首问负责制: whoever receives it registers it);
- assign (set responsible department, handler, time limit): the manager of the customer's
  department, or 总经办 (and the administrator);
- resolve: the handler, a manager of the customer's or the responsible department, 总经办;
- record the return visit: a salesperson who may see the customer, or the customer's manager;
- close: the manager of the customer's department, or 总经办;
- escalate as major (重大投诉): a manager or 总经办; automatic when the claim reaches the
  policy threshold;
- progress feedback and attachments: anyone who may see the ticket, while it is open.
"""

from crm.models import User
from crm.permissions import all_departments_view_allowed
from customers.selectors import customer_list_for

from .models import HANDLING_STATES, Status, Ticket


def _manager_for(user: User, ticket: Ticket) -> bool:
    """A manager of the customer's or of the responsible department, or someone who sees all."""
    if all_departments_view_allowed(user):
        return True
    return (
        user.is_manager
        and user.department_id is not None
        and user.department_id in (ticket.customer.department_id, ticket.responsible_department_id)
    )


def _customer_manager(user: User, ticket: Ticket) -> bool:
    return all_departments_view_allowed(user) or (
        user.is_manager and user.department_id == ticket.customer.department_id
    )


def ticket_assign_allowed(user: User, ticket: Ticket) -> bool:
    """Assign or re-assign while 已受理/处理中: the customer's department manager or 总经办."""
    return ticket.status in HANDLING_STATES and _customer_manager(user, ticket)


def ticket_resolve_allowed(user: User, ticket: Ticket) -> bool:
    return ticket.status == Status.ASSIGNED and (ticket.handler_id == user.pk or _manager_for(user, ticket))


def ticket_return_visit_allowed(user: User, ticket: Ticket, sees_customer: bool | None = None) -> bool:
    """回访 after 已处理: a salesperson who may see the customer, or the customer's manager.

    `sees_customer` saves the query when the caller knows it already (the ticket page does).
    """
    if ticket.status != Status.RESOLVED:
        return False
    if _customer_manager(user, ticket):
        return True
    if not user.is_salesperson:
        return False
    if sees_customer is None:
        sees_customer = customer_list_for(user).filter(pk=ticket.customer_id).exists()
    return sees_customer


def ticket_close_allowed(user: User, ticket: Ticket) -> bool:
    return ticket.status == Status.RETURN_VISITED and _customer_manager(user, ticket)


def ticket_escalate_allowed(user: User, ticket: Ticket) -> bool:
    return ticket.is_open and not ticket.is_major and (user.is_gm_office or _manager_for(user, ticket))


def ticket_feedback_allowed(user: User, ticket: Ticket) -> bool:
    """Progress feedback and attachments: whoever sees the ticket (the caller's scope), while open."""
    return ticket.is_open


def tickets_export_allowed(user: User) -> bool:
    """The Excel export: the model permission the role groups carry (not the salesperson's)."""
    return user.has_perm("complaints.export_tickets")


# --- Scopes: which tickets and figures a role reads (complaints.selectors, panels) -------------


def department_tickets_view_allowed(user: User) -> bool:
    """Managers and assistants read every ticket of their department (the customer's or the
    responsible one), not only those of customers they own."""
    return (user.is_manager or user.is_assistant) and user.department_id is not None


def department_counts_view_allowed(user: User) -> bool:
    """The 工作台's department counts of open complaints: managers, assistants, 总经办."""
    return user.is_manager or user.is_assistant or all_departments_view_allowed(user)


def default_list_scope(user: User) -> str:
    """The list a role opens first: 总经办 the escalated ones, a salesperson their own."""
    if user.is_gm_office:
        return "escalated"
    if user.is_salesperson:
        return "mine"
    if user.is_administrator:
        return "all"
    return "department"
