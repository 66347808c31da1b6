"""The satisfaction section of the customer page."""

from crm.registry import panel_rows

from . import permissions, selectors


def customer_panel_reads(request, customer) -> dict:
    return selectors.customer_latest_reads(customer.pk)


def customer_panel_context(request, customer, rows=None) -> dict:
    """The latest answer with its scores (read with the page's other rows)."""
    return {
        "latest": selectors.customer_latest(panel_rows(customer_panel_reads, request, customer, rows)),
        "customer": customer,
        "may_record": permissions.response_record_allowed(request.user),
    }
