"""Customer complaints (客户投诉), domain §6: tickets, their workflow, deadlines, feedback log.

The ticket keeps the deadline it was given at receipt (`deadline_at`): a later change of the
policy does not move the deadlines of tickets already received. Status moves only through
complaints.services; the database refuses the states that would break a rule (a resolved
ticket without root cause, a satisfaction outside 1-5).

By subject: `tickets.py` (the policy, the yearly counter, the states, the ticket),
`records.py` (progress feedback, the timeline, attachments). Every name is exported here.
"""

from .records import (
    EventKind,
    FeedbackMethod,
    TicketAttachment,
    TicketEvent,
    TicketFeedback,
    attachment_upload_to,
)
from .tickets import (
    HANDLED_ON_TIME,
    HANDLING_STATES,
    OPEN_STATES,
    RESOLVED_STATES,
    Channel,
    ComplaintPolicy,
    ComplaintType,
    Status,
    Ticket,
    TicketCounter,
    TicketQuerySet,
)

__all__ = [
    "HANDLED_ON_TIME",
    "HANDLING_STATES",
    "OPEN_STATES",
    "RESOLVED_STATES",
    "Channel",
    "ComplaintPolicy",
    "ComplaintType",
    "EventKind",
    "FeedbackMethod",
    "Status",
    "Ticket",
    "TicketAttachment",
    "TicketCounter",
    "TicketEvent",
    "TicketFeedback",
    "TicketQuerySet",
    "attachment_upload_to",
]
