"""Move typed dates outside the bounds of issue 13.3 into them, before the check constraints
of the next migration (a year-1 date broke every page that showed it): see crm.date_bounds."""

from datetime import timedelta

from django.db import migrations
from django.db.models import F, OuterRef, Q, Subquery

from crm.date_bounds import DB_EARLIEST_DATETIME, DB_LATEST_DATETIME, repair_out_of_bounds


def repair(apps, schema_editor):
    repair_out_of_bounds(apps.get_model("complaints", "Ticket"), "received_at", nullable=False, fallback="created_at")
    repair_out_of_bounds(apps.get_model("complaints", "TicketFeedback"), "given_at", nullable=False, fallback="created_at")
    # Derived from the receipt: the deadline (24 h in-province, 48 h out of it) and the timeline.
    Ticket = apps.get_model("complaints", "Ticket")
    outside = Q(deadline_at__lt=DB_EARLIEST_DATETIME) | Q(deadline_at__gte=DB_LATEST_DATETIME)
    Ticket.objects.filter(outside, in_province=True).update(deadline_at=F("received_at") + timedelta(hours=24))
    Ticket.objects.filter(outside, in_province=False).update(deadline_at=F("received_at") + timedelta(hours=48))
    for field in ("time_limit_at", "overdue_escalated_at"):
        repair_out_of_bounds(Ticket, field, nullable=True)
    TicketEvent = apps.get_model("complaints", "TicketEvent")
    receipt = Ticket.objects.filter(pk=OuterRef("ticket_id")).values("received_at")[:1]
    TicketEvent.objects.filter(Q(at__lt=DB_EARLIEST_DATETIME) | Q(at__gte=DB_LATEST_DATETIME)).update(at=Subquery(receipt))


class Migration(migrations.Migration):
    dependencies = [("complaints", "0004_ticketevent_params")]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
