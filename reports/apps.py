from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Plans and reports")

    def ready(self):
        from crm.registry import Panel, dashboard_widgets

        from .panels import dashboard_widget_context

        dashboard_widgets.register(
            Panel(
                key="reports",
                title=_("Periodic reports"),
                template="reports/_widget.html",
                context=dashboard_widget_context,
                order=70,
                roles=frozenset({"manager", "gm_office", "admin"}),
            )
        )
