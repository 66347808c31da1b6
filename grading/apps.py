from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GradingConfig(AppConfig):
    name = "grading"
    verbose_name = _("Grading")

    def ready(self):
        # The grading panel on the customer page (crm.registry): customers never imports grading.
        from .panels import register

        register()
