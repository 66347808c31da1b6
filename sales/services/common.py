"""What the sales services share: the domain error, visibility, links."""

from django.urls import reverse
from django.utils.translation import gettext as _

from crm.models import User
from customers.models import Customer
from customers.selectors import customer_list_for


class SalesError(Exception):
    """A rule of §13 was broken; the message (Chinese in the UI) is shown to the user."""

    def __init__(self, message, *, code: str = "invalid", fields: dict | None = None):
        super().__init__(message)
        self.code = code
        self.fields = fields or {}


def visible_customer(user: User, customer_id: int, *, for_update: bool = False) -> Customer:
    qs = customer_list_for(user)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(pk=customer_id)
    except Customer.DoesNotExist as exc:
        raise SalesError(_("Customer not found."), code="not_found") from exc


def agreement_admin_url(agreement_id: int) -> str:
    return reverse("admin:sales_agreement_change", args=[agreement_id])


def customer_url(customer_id: int) -> str:
    return reverse("customers:detail", args=[customer_id])
