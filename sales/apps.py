from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    """Agreements, deliveries, receivables and payments (domain §13), mostly from the ERP."""

    name = "sales"
    verbose_name = _("Agreements and payments")

    def ready(self):
        from crm.registry import Panel, customer_panels, dashboard_widgets

        from .panels import customer_sales_context, dashboard_widget_context

        customer_panels.register(
            Panel(
                key="sales",
                title=_("Agreements and receivables"),
                template="sales/_customer_panel.html",
                context=customer_sales_context,
                order=30,
            )
        )
        dashboard_widgets.register(
            Panel(
                key="sales",
                title=_("Receivables of the department"),
                template="sales/_widget.html",
                context=dashboard_widget_context,
                order=25,
                roles=frozenset({"manager", "gm_office"}),
            )
        )
