"""Exports of the archive: the visible customers, their contacts or yearly figures as an xlsx."""

from django.db.models import QuerySet

from crm.models import User
from crm.services import audit_record
from crm.xlsx import workbook

from ..models import AccessAction, Contact, Customer, YearlyFigure
from ..resources import RESOURCES
from ..services import access_log_record_many
from .service import KINDS


def _export_queryset(kind: str, customers: QuerySet[Customer]):
    if kind == "customers":
        return customers.select_related("owner", "department").order_by("id")
    if kind == "contacts":
        return (
            Contact.objects.filter(customer__in=customers)
            .select_related("customer")
            .order_by("customer_id", "id")
        )
    return (
        YearlyFigure.objects.filter(customer__in=customers)
        .select_related("customer")
        .order_by("customer_id", "-year")
    )


def export_xlsx(*, actor: User, kind: str, customers: QuerySet[Customer], template: bool = False) -> bytes:
    """The visible (already filtered) customers' data as an xlsx; cells that a spreadsheet would
    evaluate as formulas are neutralised; confidential customers get an access-log entry."""
    resource = RESOURCES[kind](user=actor)
    qs = _export_queryset(kind, customers.none() if template else customers)
    dataset = resource.export(queryset=qs)
    content = workbook((KINDS[kind], dataset.headers, dataset))
    if not template:
        confidential = customers.confidential().select_related(None).only("pk", "is_key", "grade", "tier")
        logged = access_log_record_many(
            user=actor, customers=confidential, action=AccessAction.EXPORT, detail=kind
        )
        audit_record(
            actor=actor,
            action="customers.export.done",
            after={"kind": kind, "rows": len(dataset), "confidential": logged},
        )
    return content
