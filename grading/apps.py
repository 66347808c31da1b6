from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GradingConfig(AppConfig):
    name = "grading"
    verbose_name = _("Grading")

    def ready(self):
        from crm.registry import customer_activated

        from .services import grade_provisional_on_activation

        # A customer that becomes active gets its provisional grade at once (§3).
        customer_activated.register("grading.provisional", grade_provisional_on_activation)
