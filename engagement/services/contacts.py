"""The contact log (沟通记录, §9): a few taps on a phone; a visit report counts as a contact."""

from datetime import date, datetime, time

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import User
from crm.services import audit_record
from customers.models import Contact

from ..models import ContactMode, ContactRecord
from ..permissions import contact_log_allowed
from .common import EngagementError, visible_customer

# Modes typed by hand; on-site visits come from visit reports (visits.services.visit_report_create).
HAND_MODES = [ContactMode.PHONE, ContactMode.WECHAT, ContactMode.EMAIL, ContactMode.MEETING]

# visits.VisitMode → ContactMode: on-site is a visit, a video call a meeting, a trade fair or a
# customer at our place a meeting.
VISIT_MODES = {
    "onsite": ContactMode.VISIT,
    "phone": ContactMode.PHONE,
    "email": ContactMode.EMAIL,
    "video": ContactMode.MEETING,
    "trade_fair": ContactMode.MEETING,
    "customer_visit": ContactMode.MEETING,
}


def contact_record_create(
    *,
    actor: User,
    customer_id: int,
    mode: str,
    summary: str,
    contact_id: int | None = None,
    contacted_at: datetime | None = None,
    next_step: str = "",
    next_step_on: date | None = None,
    source: str = "",
    now: datetime | None = None,
) -> ContactRecord:
    """Record one's own contact with a customer one may see.

    Rules: phone, WeChat, e-mail or meeting (on-site visits are visit reports); not in the future;
    the contact person belongs to the customer; something said; a next step's date not in the
    past, and a date only with a step. `source` makes a recording once-only (greetings).
    Raises EngagementError.
    """
    now = now or timezone.now()
    contacted_at = contacted_at or now
    summary, next_step = (summary or "").strip(), (next_step or "").strip()
    if not contact_log_allowed(actor):
        raise EngagementError(_("You may not record contacts."))
    if mode not in HAND_MODES:
        raise EngagementError(_("Choose how you were in touch."))
    if contacted_at > now:
        raise EngagementError(_("The contact cannot be in the future."))
    if not summary:
        raise EngagementError(_("Write what was said."))
    if next_step_on and not next_step:
        raise EngagementError(_("Say what the next step is."))
    if next_step_on and next_step_on < timezone.localdate(now):
        raise EngagementError(_("The next step's date cannot be in the past."))
    with transaction.atomic():
        customer = visible_customer(actor, customer_id)
        contact = None
        if contact_id:
            contact = Contact.objects.filter(pk=contact_id, customer=customer).first()
            if contact is None:
                raise EngagementError(_("The contact person does not belong to this customer."))
        record = ContactRecord(
            customer=customer,
            contact=contact,
            user=actor,
            mode=mode,
            contacted_at=contacted_at,
            summary=summary,
            next_step=next_step[:300],
            next_step_on=next_step_on,
            source=source[:80],
        )
        try:
            with transaction.atomic():
                record.save()
        except IntegrityError as exc:
            raise EngagementError(_("This has already been recorded.")) from exc
        audit_record(
            actor=actor,
            action="engagement.contact.recorded",
            target=record,
            after={"customer": customer.pk, "mode": mode, "source": source},
        )
    return record


def contact_record_from_visit(
    *,
    report_id: int,
    customer_id: int,
    author: User,
    visited_on: date,
    visit_mode: str,
    contact_id: int | None = None,
    summary: str = "",
) -> ContactRecord:
    """A visit report counts as a contact (§9): called by visits.services.visit_report_create
    inside its transaction. Once per report (source "visit:<id>"); visibility was checked there."""
    at = timezone.make_aware(datetime.combine(visited_on, time(12, 0)))
    record, _created = ContactRecord.objects.get_or_create(
        source=f"visit:{report_id}",
        defaults={
            "customer_id": customer_id,
            "contact_id": contact_id,
            "user": author,
            "mode": VISIT_MODES.get(visit_mode, ContactMode.MEETING),
            "contacted_at": at,
            "summary": summary[:2000],
        },
    )
    return record
