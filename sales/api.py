"""The REST API the ERP pushes to (§13): list and idempotent upsert by ERP number.

POST /api/v1/<deliveries|receivables|payments>/ with one record: 201 created, 200 updated or
unchanged (sending it again changes nothing), 202 when its customer (credit code) is unknown:
the record waits in the assistant's queue. Each account writes and reads only its scopes.
Thin like a view: parse (serializer) → ledger.records_upsert → response.
"""

import hashlib

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Max
from django.utils import timezone
from django.utils.functional import cached_property
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics
from rest_framework.pagination import PageNumberPagination
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


# How long a list's count is kept for the same newest record (below).
COUNT_CACHE_SECONDS = 600


class LedgerPaginator(Paginator):
    """The page-number paginator with its `count` kept in the cache while the newest record is
    the same: `COUNT(*)` over 2,000,000 deliveries took 170–280 ms of every page (bench, issue
    20), the newest key is one index probe. Records arrive with growing keys and the API never
    deletes one, so the count is exact after every insert; a row deleted in the admin shows in
    the count after the next insert, or within COUNT_CACHE_SECONDS."""

    @cached_property
    def count(self) -> int:
        records = self.object_list
        newest = records.order_by().aggregate(newest=Max("pk"))["newest"]
        query = hashlib.sha256(str(records.query).encode()).hexdigest()[:16]  # its filters (`after`)
        key = f"api-count:{records.model._meta.db_table}:{query}:{newest}"
        count = cache.get(key)
        if count is None:
            count = records.count()
            cache.set(key, count, COUNT_CACHE_SECONDS)
        return count

    # From this offset on, a page reads its ids first (below); before it, one query is cheaper.
    deferred_from = 1000

    def page(self, number):
        """Past `deferred_from` records, the page's ids first, then its records (a "deferred
        join"): `?page=10000` skips a million ids in the primary-key index alone instead of a
        million records joined to their customers (3.3 s at full scale, bench issue 20). The
        records keep the list's order (by id)."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if bottom < self.deferred_from:
            return self._get_page(self.object_list[bottom:top], number, self)
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        return self._get_page(list(self.object_list.filter(pk__in=ids)), number, self)


class LedgerPagination(PageNumberPagination):
    """100 records a page, `?page=N` (the API's contract), the count as LedgerPaginator keeps it."""

    page_size = 100
    django_paginator_class = LedgerPaginator


class HasScope(BasePermission):
    def has_permission(self, request, view):
        if not api_write_allowed(request.user, view.scope):
            raise exceptions.PermissionDenied(f"This token may not use {view.scope}.")
        return True


class RecordsView(generics.ListAPIView):
    permission_classes = [IsAuthenticated, HasScope]
    pagination_class = LedgerPagination
    scope = ""
    in_serializer = None
    status_by_outcome = {"created": 201, "updated": 200, "unchanged": 200, "unmatched": 202}

    def get_queryset(self):
        """`?after=<id>`: the records after that id (keyset paging for a full read: page 10,000
        of 2,000,000 deliveries cost 3 s of OFFSET; `after` = the last id of the previous page
        costs what page 1 does)."""
        records = super().get_queryset()
        after = self.request.query_params.get("after")
        if after is None:
            return records
        if not after.isdigit() or len(after) > 18:
            raise exceptions.ValidationError({"after": ["请填写一个记录编号（正整数）。"]})
        return records.filter(pk__gt=int(after))

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
                parameters=[
                    OpenApiParameter(
                        "after",
                        int,
                        description="Only records whose id is greater (keyset paging: the last id seen)",
                    )
                ],
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
