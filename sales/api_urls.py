from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from . import api

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("v1/deliveries/", api.DeliveriesView.as_view(), name="deliveries"),
    path("v1/receivables/", api.ReceivablesView.as_view(), name="receivables"),
    path("v1/payments/", api.PaymentsView.as_view(), name="payments"),
]
