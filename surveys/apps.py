from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Satisfaction surveys")

    def ready(self):
        from crm.registry import Panel, customer_panels

        from .panels import customer_panel_context

        customer_panels.register(
            Panel(
                key="surveys",
                title=_("Satisfaction"),
                template="surveys/_customer_panel.html",
                context=customer_panel_context,
                order=75,
            )
        )
