"""The satisfaction section of the customer page."""

from . import permissions, selectors


def customer_panel_context(request, customer) -> dict:
    """The latest answer with its scores (two queries: the response, then its answers)."""
    return {
        "latest": selectors.customer_latest(customer.pk),
        "customer": customer,
        "may_record": permissions.response_record_allowed(request.user),
    }
