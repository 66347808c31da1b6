from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    """Agreements, deliveries, receivables and payments (domain §13), mostly from the ERP."""

    name = "sales"
    verbose_name = _("Agreements and payments")
