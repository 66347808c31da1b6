from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    """Key accounts and contact cadence (domain §9, §14): tiers, the contact log, customer care."""

    name = "engagement"
    verbose_name = _("Key accounts and contacts")
