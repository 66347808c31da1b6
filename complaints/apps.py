from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self):
        # The customer page and the 工作台 show complaints through crm.registry, so that
        # customers never imports this app.
        from crm.registry import Panel, customer_panels, dashboard_widgets

        from .panels import customer_panel_context, dashboard_widget_context

        customer_panels.register(Panel(
            key="complaints", title=_("Complaints"), template="complaints/_customer_panel.html",
            context=customer_panel_context, order=40,
        ))
        dashboard_widgets.register(Panel(
            key="complaints", title=_("My open complaints"), template="complaints/_widget.html",
            context=dashboard_widget_context, order=30,
        ))
