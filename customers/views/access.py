"""Who may do what on the customer screens (within what they may see), and the fetch every
view starts with."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .. import permissions, selectors, services
from ..models import Customer

# --- Who may do what (within what they may see) ---------------------------------------------


def can_edit(user) -> bool:
    """总经办 reads archives; the others who see a customer may keep it up to date."""
    return services.may_edit_archives(user)


def can_confirm(user, customer) -> bool:
    """信息已核实: the owner, the department's assistant or manager, or the administrator."""
    if user.is_salesperson:
        return customer.owner_id == user.pk
    return user.is_assistant or user.is_manager or user.is_administrator


def can_reassign(user) -> bool:
    return user.is_manager or user.sees_all_departments


can_import = permissions.import_allowed
can_export = permissions.export_allowed


def can_see_access_log(user) -> bool:
    return user.is_manager or user.sees_all_departments


def customer_or_404(request, pk, *, edit=False) -> Customer:
    try:
        customer = selectors.customer_get_for(request.user, pk)
    except Customer.DoesNotExist as exc:
        raise Http404(_("No such customer.")) from exc
    if edit and not can_edit(request.user):
        raise PermissionDenied
    return customer


def to_detail(customer_or_pk, anchor=""):
    pk = getattr(customer_or_pk, "pk", customer_or_pk)
    response = redirect("customers:detail", pk=pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response
