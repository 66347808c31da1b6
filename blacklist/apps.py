from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BlacklistConfig(AppConfig):
    name = "blacklist"
    verbose_name = _("Blacklist")

    def ready(self):
        # The customer page and the 工作台 collect sections through crm.registry, so that
        # customers never imports this app.
        from crm.registry import Panel, customer_panels, dashboard_widgets

        from .panels import customer_panel_context, dashboard_widget_context

        customer_panels.register(Panel(
            key="blacklist", title=_("Blacklist"), template="blacklist/panel.html",
            context=customer_panel_context, order=80,
        ))
        dashboard_widgets.register(Panel(
            key="blacklist", title=_("Blacklist summary"), template="blacklist/widget.html",
            context=dashboard_widget_context, order=60, roles=frozenset({"manager", "gm_office", "admin"}),
        ))
