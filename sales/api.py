"""The REST API the ERP pushes to (§13): list and idempotent upsert by ERP number.

POST /api/v1/<deliveries|receivables|payments>/ with one record: 201 created, 200 updated or
unchanged (sending it again changes nothing), 202 when its customer (credit code) is unknown:
the record waits in the assistant's queue. Each account writes and reads only its scopes.
Thin like a view: parse (serializer) → ledger.records_upsert → response.
"""

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from . import serializers as s
from .api_errors import ErrorSerializer
from .models import Delivery, ErpSource, Payment, Receivable
from .permissions import api_write_allowed
from .services.ledger import records_upsert

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input"),
    401: OpenApiResponse(ErrorSerializer, description="No or bad token"),
    403: OpenApiResponse(ErrorSerializer, description="The token lacks the scope"),
}


class HasScope(BasePermission):
    def has_permission(self, request, view):
        if not api_write_allowed(request.user, view.scope):
            raise exceptions.PermissionDenied(f"This token may not use {view.scope}.")
        return True


class RecordsView(generics.ListAPIView):
    permission_classes = [IsAuthenticated, HasScope]
    scope = ""
    in_serializer = None
    status_by_outcome = {"created": 201, "updated": 200, "unchanged": 200, "unmatched": 202}

    def post(self, request):
        data = self.in_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = dict(data.validated_data)
        result = records_upsert(
            source=self.scope, rows=[row], actor=None, via=f"api:{request.user.name}", now=timezone.now()
        )
        outcome = result["plan"][0]["outcome"]
        return Response(
            {"outcome": outcome, "erp_number": row["erp_number"]}, status=self.status_by_outcome[outcome]
        )


def _records_view(name, scope, model, out, inp):
    upsert_responses = {
        201: s.UpsertResult,
        200: s.UpsertResult,
        202: OpenApiResponse(s.UpsertResult, description="Unknown customer: queued for the assistant"),
        **ERRORS,
    }
    related = ("customer", "delivery") if model is Receivable else ("customer",)

    # Fresh functions per class: extend_schema marks the function it decorates.
    def get(self, request, *args, **kwargs):
        return RecordsView.get(self, request, *args, **kwargs)

    def post(self, request):
        return RecordsView.post(self, request)

    return type(
        name,
        (RecordsView,),
        {
            "scope": scope,
            "in_serializer": inp,
            "serializer_class": out,
            "queryset": model.objects.select_related(*related).order_by("id"),
            "get": extend_schema(
                responses={200: out(many=True), 404: OpenApiResponse(ErrorSerializer), **ERRORS},
                summary=f"List {scope}",
                operation_id=f"{scope}_list",
            )(get),
            "post": extend_schema(
                request=inp,
                responses=upsert_responses,
                operation_id=f"{scope}_upsert",
                summary=f"Upsert one of {scope} by ERP number",
            )(post),
        },
    )


DeliveriesView = _records_view("DeliveriesView", ErpSource.DELIVERIES, Delivery, s.DeliveryOut, s.DeliveryIn)
ReceivablesView = _records_view(
    "ReceivablesView", ErpSource.RECEIVABLES, Receivable, s.ReceivableOut, s.ReceivableIn
)
PaymentsView = _records_view("PaymentsView", ErpSource.PAYMENTS, Payment, s.PaymentOut, s.PaymentIn)
