"""Customer care (客户关怀, §14): greeting reminders for birthdays and festivals, the yearly
customer meeting (订货会/交流会)."""

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import chinese_calendar
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import User
from crm.services import audit_record, company_language, notification_send
from customers.models import KEY_ACCOUNT_TIERS, Contact, Customer, CustomerStatus, Grade

from ..models import (
    ContactMode,
    ContactRecord,
    CustomerMeeting,
    EngagementPolicy,
    Festival,
    FestivalDate,
    MeetingInvitation,
)
from ..permissions import meeting_manage_allowed
from .common import EngagementError
from .contacts import contact_record_create

LIST_IN_MESSAGE = 15


@dataclass
class Occasion:
    """A greeting to send: a festival (code) or a birthday, its date, the contacts to greet."""

    code: str  # festival code, or "birthday"
    name: str
    on: date
    contacts: list = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.code}:{self.on:%Y-%m-%d}"


def festival_dates(start: date, end: date) -> list[tuple[Festival, date]]:
    """Active festivals falling in [start, end]: fixed dates, else the FestivalDate table, else
    chinese_calendar's holiday (first day off) for years the table does not have yet."""
    out = []
    festivals = list(Festival.objects.filter(is_active=True))
    years = {start.year, end.year}
    table = {(d.festival_id, d.year): d.date for d in FestivalDate.objects.filter(year__in=years)}
    for f in festivals:
        for year in years:
            if f.month and f.day:
                try:
                    d = date(year, f.month, f.day)
                except ValueError:
                    continue
            else:
                d = table.get((f.pk, year)) or _chinese_calendar_date(f.code, year)
            if d and start <= d <= end:
                out.append((f, d))
    return sorted(out, key=lambda x: x[1])


CHINESE_CALENDAR_NAMES = {
    "spring": "Spring Festival",
    "dragon_boat": "Dragon Boat Festival",
    "mid_autumn": "Mid-autumn Festival",
}


def _chinese_calendar_date(code: str, year: int) -> date | None:
    name = CHINESE_CALENDAR_NAMES.get(code)
    if not name:
        return None
    days = [d for d, n in chinese_calendar.holidays.items() if d.year == year and n == name]
    return min(days) if days else None


def _greeted_contacts(customers) -> Q:
    return Q(customer__in=customers, customer__is_deleted=False, customer__is_blacklisted=False) & ~Q(
        customer__status=CustomerStatus.INACTIVE
    )


def greeting_occasions(*, now: datetime, customers=None, ahead_days: int | None = None) -> list[Occasion]:
    """The greetings due from today to `ahead_days` ahead, with the contacts to greet (of
    `customers`, default all): every contact at a festival, the person at a birthday."""
    today = timezone.localdate(now)
    if ahead_days is None:
        ahead_days = EngagementPolicy.load().greeting_ahead_days
    end = today + timedelta(days=ahead_days)
    customers = customers if customers is not None else Customer.objects.all()
    base = (
        Contact.objects.filter(_greeted_contacts(customers))
        .select_related("customer")
        .order_by("customer_id", "pk")
    )
    out = []
    festivals = festival_dates(today, end)
    if festivals:
        everyone = list(base)
        out += [Occasion(f.code, f.name, d, everyone) for f, d in festivals]
    days = [today + timedelta(days=n) for n in range(ahead_days + 1)]
    birthday = Q()
    for d in days:
        birthday |= Q(birthday__month=d.month, birthday__day=d.day)
    by_day: dict[tuple, list] = {}
    for c in base.filter(birthday__isnull=False).filter(birthday):
        on = next(d for d in days if (d.month, d.day) == (c.birthday.month, c.birthday.day))
        by_day.setdefault(on, []).append(c)
    with company_language():
        name = _("Birthday")
    out += [Occasion("birthday", name, on, contacts) for on, contacts in sorted(by_day.items())]
    return out


def greeting_reminders_send(*, now: datetime | None = None, since: datetime | None = None) -> dict:
    """The daily customer-care job: each salesperson gets one greeting reminder per occasion
    (festival of the year, birthday date) listing the contacts to greet, `greeting_ahead_days`
    ahead; the dedup key per occasion makes reruns and late runs send nothing twice."""
    now = now or timezone.now()
    occasions = greeting_occasions(now=now)
    sent = 0
    owners = User.objects.in_bulk({c.customer.owner_id for o in occasions for c in o.contacts})
    with company_language():
        for occ in occasions:
            per: dict[int, list] = {}
            for c in occ.contacts:
                per.setdefault(c.customer.owner_id, []).append(c)
            for owner_id, contacts in sorted(per.items()):
                title = _("Greetings for %(occasion)s (%(date)s): %(count)d contacts") % {
                    "occasion": occ.name,
                    "date": f"{occ.on:%m-%d}",
                    "count": len(contacts),
                }
                lines = [f"{c.customer.display_name} · {c.name}" for c in contacts[:LIST_IN_MESSAGE]]
                if len(contacts) > LIST_IN_MESSAGE:
                    lines.append(_("… and %(count)d more") % {"count": len(contacts) - LIST_IN_MESSAGE})
                key = (
                    occ.key
                    if occ.code != "birthday"
                    else (
                        occ.key
                        + ":"
                        + hashlib.sha256(",".join(str(c.pk) for c in contacts).encode()).hexdigest()[:10]
                    )
                )
                sent += len(
                    notification_send(
                        recipients=[owners[owner_id]] if owner_id in owners else [],
                        kind="engagement_greeting",
                        title=title,
                        body="\n".join(lines),
                        url=reverse("engagement:greetings"),
                        dedup_key=f"engagement-greeting:{key}",
                    )
                )
    return {"occasions": len(occasions), "notifications": sent}


def greetings_recorded(occasions: list[Occasion]) -> set[tuple]:
    """(occasion code, date, contact id) of the greetings already marked as sent (one query)."""
    sources = [f"greeting:{o.code}:{o.on:%Y-%m-%d}:{c.pk}" for o in occasions for c in o.contacts]
    out = set()
    for source in ContactRecord.objects.filter(source__in=sources).values_list("source", flat=True):
        _g, code, on, contact_id = source.split(":")
        out.add((code, date.fromisoformat(on), int(contact_id)))
    return out


def greeting_mark_sent(
    *,
    actor: User,
    contact_id: int,
    occasion: str,
    on: date,
    mode: str = ContactMode.WECHAT,
    now: datetime | None = None,
):
    """Marking a greeting as sent records a contact (§14), once per contact and occasion."""
    now = now or timezone.now()
    contact = Contact.objects.filter(pk=contact_id).select_related("customer").first()
    if contact is None:
        raise EngagementError(_("Contact not found."))
    festival = Festival.objects.filter(code=occasion).first()
    if festival is None and occasion != "birthday":
        raise EngagementError(_("Unknown occasion."))
    with company_language():
        what = (
            _("Birthday greeting")
            if festival is None
            else _("Festival greeting: %(name)s") % {"name": festival.name}
        )
    return contact_record_create(
        actor=actor,
        customer_id=contact.customer_id,
        contact_id=contact.pk,
        mode=mode,
        summary=what,
        source=f"greeting:{occasion}:{on:%Y-%m-%d}:{contact.pk}",
        now=now,
    )


# --- The yearly customer meeting --------------------------------------------------------------


def customer_meeting_create(*, actor: User, data: dict, now: datetime | None = None) -> CustomerMeeting:
    """The department records its customer meeting (订货会/交流会). Raises EngagementError."""
    if not meeting_manage_allowed(actor):
        raise EngagementError(_("Only the department's manager or sales assistants record its meetings."))
    title = (data.get("title") or "").strip()
    held_on = data.get("held_on")
    if not title or not isinstance(held_on, date):
        raise EngagementError(_("Give the meeting's title and date."))
    with transaction.atomic():
        meeting = CustomerMeeting.objects.create(
            department_id=actor.department_id,
            kind=data.get("kind") or "order_fair",
            title=title[:200],
            held_on=held_on,
            location=(data.get("location") or "")[:200],
            notes=data.get("notes") or "",
            created_by=actor,
        )
        audit_record(actor=actor, action="engagement.meeting.created", target=meeting)
    return meeting


def meeting_invitees(meeting: CustomerMeeting):
    """Whom to invite: the department's 战略/关键 customers and its grade A and B customers."""
    return Customer.objects.filter(
        department_id=meeting.department_id, is_deleted=False, is_blacklisted=False
    ).filter(Q(tier__in=KEY_ACCOUNT_TIERS) | Q(grade__in=[Grade.A, Grade.B]))


def customer_meeting_invite(*, actor: User, meeting_id: int) -> int:
    """Invite the key customers of the department (meeting_invitees); once each."""
    with transaction.atomic():
        meeting = CustomerMeeting.objects.select_for_update().filter(pk=meeting_id).first()
        if meeting is None or not meeting_manage_allowed(actor, meeting.department_id):
            raise EngagementError(_("Meeting not found."))
        rows = [
            MeetingInvitation(meeting=meeting, customer_id=pk)
            for pk in meeting_invitees(meeting).values_list("pk", flat=True)
        ]
        before = meeting.invitations.count()
        MeetingInvitation.objects.bulk_create(rows, ignore_conflicts=True)
        added = meeting.invitations.count() - before
        audit_record(actor=actor, action="engagement.meeting.invited", target=meeting, after={"added": added})
    return added


def customer_meeting_attendance_set(*, actor: User, meeting_id: int, attended_ids) -> int:
    """Record who came (the invited customers whose ids are given; the others did not)."""
    try:
        ids = {int(x) for x in attended_ids}
    except (TypeError, ValueError) as exc:
        raise EngagementError(_("Choose the customers who came.")) from exc
    with transaction.atomic():
        meeting = CustomerMeeting.objects.select_for_update().filter(pk=meeting_id).first()
        if meeting is None or not meeting_manage_allowed(actor, meeting.department_id):
            raise EngagementError(_("Meeting not found."))
        meeting.invitations.update(attended=False)
        came = meeting.invitations.filter(customer_id__in=ids).update(attended=True)
        audit_record(
            actor=actor, action="engagement.meeting.attendance", target=meeting, after={"came": came}
        )
    return came
