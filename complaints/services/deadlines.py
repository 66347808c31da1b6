"""The complaint-deadlines job (domain §6, §7): overdue tickets escalated to the managers."""

from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Notification
from crm.services import audit_record, managers_of, notification_bulk_send

from ..models import HANDLING_STATES, EventKind, Ticket, TicketEvent


def complaint_deadlines_escalate(*, now: datetime | None = None, since: datetime | None = None) -> dict:
    """Escalate to the department manager every ticket past its deadline and not yet resolved (§6, §7).

    Once per ticket: `overdue_escalated_at` is claimed by the same transaction that writes the
    notifications (rows locked, SKIP LOCKED on PostgreSQL, so a concurrent run takes others),
    and the notifications carry a per-ticket key. Closed and resolved tickets are never
    touched. Set-based: one read, one update, one read of managers, two bulk inserts. `since`
    is not needed: everything overdue and not yet escalated is due, however late the run.
    """
    now = now or timezone.now()
    with transaction.atomic():
        qs = Ticket.objects.filter(
            status__in=HANDLING_STATES, deadline_at__lte=now, overdue_escalated_at__isnull=True
        ).order_by("pk")
        # SKIP LOCKED: a second worker takes the next rows. (SQLite, one writer at a time,
        # has no row locks: Django leaves the clause out there.)
        qs = qs.select_for_update(skip_locked=True, of=("self",))
        due = list(
            qs.values_list(
                "pk",
                "number",
                "customer__name",
                "customer__department_id",
                "responsible_department_id",
                "handler_id",
                "deadline_at",
            )
        )
        if not due:
            return {"overdue": 0, "notifications": 0}
        ids = [row[0] for row in due]
        Ticket.objects.filter(pk__in=ids, overdue_escalated_at__isnull=True).update(overdue_escalated_at=now)
        dept_ids = {d for row in due for d in (row[3], row[4]) if d}
        managers: dict[int, list[int]] = {}
        for pk, dept_id in managers_of(dept_ids).values_list("pk", "department_id"):
            managers.setdefault(dept_id, []).append(pk)
        events, rows = [], []
        for pk, number, customer_name, dept_id, resp_dept_id, handler_id, deadline in due:
            local_deadline = timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M")
            events.append(TicketEvent(ticket_id=pk, kind=EventKind.OVERDUE, at=now, note=local_deadline))
            recipients = set(managers.get(dept_id, [])) | set(managers.get(resp_dept_id, []))
            if handler_id:
                recipients.add(handler_id)
            for user_id in recipients:
                rows.append(
                    Notification(
                        recipient_id=user_id,
                        kind="complaint_overdue",
                        title=_("Complaint %(number)s (%(customer)s) is past its deadline")
                        % {"number": number, "customer": customer_name},
                        body=_("The deadline was %(deadline)s and the complaint is not resolved.")
                        % {"deadline": local_deadline},
                        url=reverse("complaints:detail", args=[pk]),
                        dedup_key=f"complaint-overdue:{pk}",
                    )
                )
        TicketEvent.objects.bulk_create(events, ignore_conflicts=True)
        sent = notification_bulk_send(rows=rows)
        audit_record(
            actor=None, action="complaints.deadlines.escalated", after={"tickets": [row[1] for row in due]}
        )
    return {"overdue": len(due), "notifications": sent}
