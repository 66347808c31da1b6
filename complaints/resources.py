"""Export of complaint tickets to Excel (xlsx), safe against spreadsheet formula injection.

A customer's complaint text is typed by outsiders (e-mails, online forms): a cell starting
with = + - @ (or a tab/CR before one) would run as a formula when the sheet is opened, so
such text is written with a leading apostrophe and always as a string cell.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from crm.xlsx import workbook  # noqa: E402


def _local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M") if dt else ""


def ticket_export_rows(tickets, *, now):
    yield [
        _("Number"),
        _("Customer"),
        _("Grade"),
        _("Department"),
        _("Type"),
        _("Channel"),
        _("Description"),
        _("Received at"),
        _("Received by"),
        _("Claim amount (yuan)"),
        _("Deadline"),
        _("Status"),
        _("Responsible department"),
        _("Handler"),
        _("Root cause"),
        _("Corrective action"),
        _("Resolved at"),
        _("On time"),
        _("Satisfaction"),
        _("Major complaint"),
    ]
    for t in tickets:
        on_time = t.handled_on_time
        yield [
            t.number,
            t.customer.name,
            t.customer.grade,
            str(t.customer.department),
            t.get_complaint_type_display(),
            t.get_channel_display(),
            t.description,
            _local(t.received_at),
            str(t.received_by),
            float(t.claim_amount),
            _local(t.deadline_at),
            t.get_status_display(),
            str(t.responsible_department or ""),
            str(t.handler or ""),
            t.root_cause,
            t.corrective_action,
            _local(t.resolved_at),
            "" if on_time is None else (_("yes") if on_time else _("no")),
            t.satisfaction or "",
            _("yes") if t.is_major else "",
        ]


def tickets_xlsx(tickets, *, now) -> bytes:
    rows = ticket_export_rows(tickets, now=now)
    header = next(rows)
    return workbook((_("Complaints"), header, rows))
