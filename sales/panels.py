"""The sales section of the customer page and the manager's 工作台 widget (crm.registry).

Constant queries: the panel reads three (agreements, open receivables with their ageing,
payments), the widget three, whatever the size of the ledger.
"""

from django.utils import timezone

from . import selectors
from .permissions import agreement_create_allowed, erp_import_allowed
from .selectors import department_receivables


def customer_sales_reads(request, customer) -> dict:
    return selectors.customer_sales_reads(customer, today=timezone.localdate())


def customer_sales_context(request, customer, rows=None) -> dict:
    data = selectors.customer_sales_panel(customer, today=timezone.localdate(), rows=rows)
    return {
        **data,
        "can_create": agreement_create_allowed(request.user, customer),
        "can_import": erp_import_allowed(request.user),
    }


def dashboard_widget_context(request, ctx) -> dict:
    return {"summary": department_receivables(request.user, today=ctx.today)}
