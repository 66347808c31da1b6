"""Every state change of complaints, by subject: the ticket workflow (tickets.py), what is logged
on an open ticket (records.py), their shared rules (rules.py), the deadline job (deadlines.py).
Who may do what: complaints/permissions.py."""

from .deadlines import complaint_deadlines_escalate
from .records import attachment_add, feedback_add
from .rules import ComplaintError, deadline_for, is_in_province, ticket_number_next
from .tickets import (
    ticket_assign,
    ticket_close,
    ticket_create,
    ticket_escalate,
    ticket_resolve,
    ticket_return_visit_record,
)

__all__ = [
    "ComplaintError",
    "attachment_add",
    "complaint_deadlines_escalate",
    "deadline_for",
    "feedback_add",
    "is_in_province",
    "ticket_assign",
    "ticket_close",
    "ticket_create",
    "ticket_escalate",
    "ticket_number_next",
    "ticket_resolve",
    "ticket_return_visit_record",
]
