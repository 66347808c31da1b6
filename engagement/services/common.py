"""What the engagement services share: the domain error and the visible customer."""

from django.utils.translation import gettext as _

from customers.models import Customer
from customers.selectors import customer_list_for


class EngagementError(Exception):
    """A key-account or contact rule was broken; the message is shown to the user."""


def visible_customer(user, customer_id, *, for_update: bool = False) -> Customer:
    """The customer if `user` may see it (customer_list_for, the one visibility rule)."""
    qs = customer_list_for(user)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(pk=customer_id)
    except (Customer.DoesNotExist, ValueError, TypeError) as exc:
        raise EngagementError(_("Customer not found.")) from exc
