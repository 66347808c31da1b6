"""Move typed dates outside the bounds of issue 13.3 into them, before the check constraints
of the next migration (a year-1 date broke every page that showed it): see crm.date_bounds."""

from datetime import timedelta

from django.db import migrations
from django.db.models import F, OuterRef, Q, Subquery

from crm.date_bounds import DB_EARLIEST_DATETIME, DB_LATEST_DATETIME, repair_out_of_bounds


def _outside(field):
    return Q(**{f"{field}__lt": DB_EARLIEST_DATETIME}) | Q(**{f"{field}__gte": DB_LATEST_DATETIME})


def repair(apps, schema_editor):
    Ticket = apps.get_model("complaints", "Ticket")
    # The receipt becomes when the ticket was recorded, and the deadline (24 h in-province, 48 h
    # out of it) follows it in the same statement: a deadline before the receipt is refused.
    for in_province, hours in ((True, 24), (False, 48)):
        Ticket.objects.filter(_outside("received_at"), in_province=in_province).update(
            received_at=F("created_at"), deadline_at=F("created_at") + timedelta(hours=hours)
        )
        Ticket.objects.filter(_outside("deadline_at"), in_province=in_province).update(
            deadline_at=F("received_at") + timedelta(hours=hours)
        )
    for field in ("time_limit_at", "overdue_escalated_at"):
        repair_out_of_bounds(Ticket, field, nullable=True)
    repair_out_of_bounds(apps.get_model("complaints", "TicketFeedback"), "given_at", nullable=False, fallback="created_at")
    TicketEvent = apps.get_model("complaints", "TicketEvent")
    receipt = Ticket.objects.filter(pk=OuterRef("ticket_id")).values("received_at")[:1]
    TicketEvent.objects.filter(_outside("at")).update(at=Subquery(receipt))


class Migration(migrations.Migration):
    dependencies = [("complaints", "0004_ticketevent_params")]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
