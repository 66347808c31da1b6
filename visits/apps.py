from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("Visits")

    def ready(self):
        # The customer page's visit timeline and the 工作台 widget, registered here so that
        # customers never imports this app.
        from .panels import register

        register()
