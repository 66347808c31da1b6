from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GradingConfig(AppConfig):
    name = "grading"
    verbose_name = _("Grading")

    def ready(self):
        # Register this app's panels on the customer page and widgets on the 工作台 here
        # (crm.registry), so that customers never imports this app.
        pass
