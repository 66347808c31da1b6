from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GradingConfig(AppConfig):
    name = "grading"
    verbose_name = _("Grading")

    def ready(self):
        # The grading panel on the customer page (crm.registry): customers never imports grading.
        from crm.registry import customer_activated

        from .panels import register
        from .services import grade_provisional_on_activation

        register()
        # A customer that becomes active gets its provisional grade at once (§3).
        customer_activated.register("grading.provisional", grade_provisional_on_activation)
