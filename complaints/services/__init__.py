"""Every state change of complaints, by subject: the ticket workflow, the deadline job."""

from .deadlines import complaint_deadlines_escalate
from .tickets import (
    ComplaintError,
    attachment_add,
    can_assign,
    can_close,
    can_escalate,
    can_record_return_visit,
    can_resolve,
    deadline_for,
    feedback_add,
    is_in_province,
    ticket_assign,
    ticket_close,
    ticket_create,
    ticket_escalate,
    ticket_number_next,
    ticket_resolve,
    ticket_return_visit_record,
)

__all__ = [
    "ComplaintError",
    "attachment_add",
    "can_assign",
    "can_close",
    "can_escalate",
    "can_record_return_visit",
    "can_resolve",
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
