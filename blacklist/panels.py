"""What the blacklist adds to shared screens: the customer-page section and the 工作台 widget."""

from django.db.models import Count, Q
from django.utils import timezone

from crm.db import attach_children
from crm.registry import panel_rows

from . import permissions, selectors
from .models import BlacklistEntry, BlacklistPolicy, EntryState, ReadmissionRequest, ReadmissionState


def customer_panel_reads(request, customer) -> dict:
    # Shown only on the page of a customer the user may see: every entry of it is visible
    # (entries_visible_to), so no visibility subquery here.
    return {
        "entries": BlacklistEntry.objects.filter(customer_id=customer.pk).select_related(
            "department", "reported_by", "proposed_by", "decided_by"
        ),
        "readmissions": ReadmissionRequest.objects.filter(entry__customer_id=customer.pk).order_by(
            "-requested_at"
        ),
    }


def customer_panel_context(request, customer, rows=None) -> dict | None:
    """The blacklist section of a customer's page: every entry with its re-admission requests
    (read with the page's other rows)."""
    user = request.user
    rows = panel_rows(customer_panel_reads, request, customer, rows)
    entries = rows["entries"]
    for entry in entries:
        entry.customer = customer  # the page's customer: no join of the customers table
    attach_children(entries, "readmissions", rows["readmissions"])
    may_report = (
        not customer.is_blacklisted
        and not any(e.state == EntryState.REPORTED for e in entries)
        and permissions.blacklist_entry_report_allowed(user, customer)
    )
    if not entries and not may_report and not customer.readmission_required:
        return None
    today = timezone.localdate()
    current = next((e for e in entries if e.state in (EntryState.ACTIVE, EntryState.REPORTED)), None)
    return {
        "customer": customer,
        "entries": entries,
        "current": current,
        "may_report": may_report,
        "days_remaining": current.days_remaining(today) if current else None,
        "readmission_required": customer.readmission_required,
    }


def dashboard_widget_context(request, ctx) -> dict | None:
    """黑名单概况 for managers and 总经办: counts, what awaits them, what expires soon (3 queries)."""
    user = request.user
    if not permissions.blacklist_report_view_allowed(user):
        return None
    today = ctx.today
    warning_days = BlacklistPolicy.load().expiry_warning_days
    from datetime import timedelta

    counts = (
        selectors.entries_visible_to(user)
        .order_by()
        .aggregate(
            active=Count("pk", filter=Q(state=EntryState.ACTIVE)),
            reported=Count("pk", filter=Q(state=EntryState.REPORTED)),
            expired=Count("pk", filter=Q(state=EntryState.EXPIRED)),
            expiring=Count(
                "pk", filter=Q(state=EntryState.ACTIVE, ends_on__lte=today + timedelta(days=warning_days))
            ),
            readmissions=Count("readmissions", filter=Q(readmissions__state=ReadmissionState.PENDING)),
        )
    )
    awaiting = list(selectors.entries_awaiting(user)[:5])
    return {"counts": counts, "awaiting": awaiting, "warning_days": warning_days}
