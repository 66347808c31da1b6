"""What is logged on an open ticket: progress feedback to the customer, attachments."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.forms import messages_from
from crm.models import User
from crm.services import audit_record

from .. import permissions
from ..models import EventKind, TicketAttachment, TicketFeedback
from .rules import ComplaintError, _attach, _check_file, _check_typed, _event, _lock


def feedback_add(
    *, actor: User, ticket_id: int, given_at: datetime, method: str, content: str, now: datetime | None = None
) -> TicketFeedback:
    """Log one progress feedback to the customer (at least twice a week while handling, §6)."""
    now = now or timezone.now()
    content = (content or "").strip()
    if not content:
        raise ComplaintError(_("Write down what the customer was told."))
    if given_at > now + timedelta(minutes=5):
        raise ComplaintError(_("A feedback cannot be dated in the future."))
    _check_typed(given_at, now=now)
    with transaction.atomic():
        ticket = _lock(ticket_id)
        if not permissions.ticket_feedback_allowed(actor, ticket):
            raise ComplaintError(_("The ticket is closed."))
        # The form gives minutes, the receipt has seconds: a feedback typed for the minute of
        # receipt is allowed and kept just after the receipt, so the ticket log stays in order.
        if given_at < ticket.received_at.replace(second=0, microsecond=0):
            raise ComplaintError(_("A feedback cannot be dated before the complaint was received."))
        given_at = max(given_at, ticket.received_at)
        fb = TicketFeedback(ticket=ticket, given_at=given_at, method=method, content=content, given_by=actor)
        try:
            fb.full_clean()
        except ValidationError as exc:
            raise ComplaintError(messages_from(exc)) from exc
        fb.save()
        _event(
            ticket,
            kind=EventKind.FEEDBACK,
            actor=actor,
            at=given_at,
            note=content,
            params={"method": fb.method},
        )
        audit_record(actor=actor, action="complaints.feedback.added", target=ticket, after={"method": method})
    return fb


def attachment_add(*, actor: User, ticket_id: int, file, now: datetime | None = None) -> TicketAttachment:
    """Attach evidence (photos, documents) to an open ticket; the file type is checked by content."""
    now = now or timezone.now()
    _check_file(file)
    with transaction.atomic():
        ticket = _lock(ticket_id)
        if not permissions.ticket_feedback_allowed(actor, ticket):
            raise ComplaintError(_("The ticket is closed."))
        att = _attach(ticket, file, actor=actor, now=now)
        audit_record(
            actor=actor,
            action="complaints.attachment.added",
            target=ticket,
            after={"name": att.original_name},
        )
    return att
