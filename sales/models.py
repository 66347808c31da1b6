"""Deliveries (发货) from the ERP (domain §13): the business volume of the yearly figures."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.models import Customer


class Delivery(models.Model):
    """Goods shipped to a customer, keyed by the ERP's delivery-note number."""

    erp_number = models.CharField(_("ERP number"), max_length=60, unique=True)
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="deliveries")
    delivered_on = models.DateField(_("delivered on"))
    value = models.DecimalField(_("value (yuan)"), max_digits=14, decimal_places=2)
    goods = models.CharField(_("goods"), max_length=300, blank=True)
    pickup_due_on = models.DateField(_("agreed pickup date"), null=True, blank=True)
    picked_up_on = models.DateField(_("picked up on"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-delivered_on", "-id"]
        indexes = [models.Index(fields=["customer", "delivered_on"], name="sales_delivery_customer_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(value__gte=0), name="sales_delivery_value_not_negative"),
        ]

    def __str__(self):
        return self.erp_number
