"""Who may do what with agreements, the ledger and the ERP data (domain §13, roles of §1).

Seeing a customer's agreements, receivables and payments follows seeing the customer
(Customer.objects.visible_to); these predicates decide the actions on top of that.
"""

from django.utils.translation import gettext as _

from crm.models import User

from .models import AgreementState

ERP_SCOPES = ("deliveries", "receivables", "payments")


def agreement_create_allowed(user: User, customer=None) -> bool:
    """Salespeople (their own customers: the visibility rule), assistants and managers draft agreements."""
    return user.is_active and (user.is_salesperson or user.is_assistant or user.is_manager)


def agreement_submit_allowed(user: User, agreement) -> bool:
    return agreement_create_allowed(user) and agreement.state == "draft"


def approval_refusal(user: User, agreement) -> str | None:
    """Why `user` may not decide `agreement` now, or None when it is their turn: the customer's
    department manager decides the first step, 总经办 the second (large agreements); nobody their own.
    The approval admin (crm/admin_decisions.py), the agreement page and the services ask it."""
    if not agreement.is_open:
        return _("This agreement has already been decided.")
    if agreement.created_by_id == user.pk:
        return _("Nobody decides their own agreement.")
    if agreement.state == AgreementState.PENDING_MANAGER:
        if not (
            user.is_active and user.is_manager and user.department_id == agreement.customer.department_id
        ):
            return _("The customer's department manager decides this step.")
    elif not (user.is_active and user.is_gm_office):
        return _("总经办 decides this step.")
    return None


def department_receivables_widget_allowed(user: User) -> bool:
    """The 工作台's receivables of the department: the managers and 总经办."""
    return user.is_manager or user.is_gm_office


def erp_import_allowed(user: User) -> bool:
    """销售内勤 keeps the archive and loads the ERP's exports; managers and the administrator too."""
    return user.is_active and (user.is_assistant or user.is_manager or user.is_administrator)


def unmatched_queue_allowed(user: User) -> bool:
    return erp_import_allowed(user)


def statement_allowed(user: User) -> bool:
    """The monthly statement is for reconciliation with finance: anyone who sees the customer."""
    return user.is_active


def api_write_allowed(account, scope: str) -> bool:
    """An integration account writes (and reads) only the kinds of record its scopes name."""
    return bool(account and account.is_active and scope in (account.scopes or []))
