"""外勤签到 (issue 17): the position of an on-site report, customer locations, customers near me.

The phone sends its position once, when the salesperson starts an on-site report and agreed
to it (static/js/checkin.js); nothing is tracked in between. A customer's location is typed by
the office (confirmed at once) or proposed by the first checked-in visit and used only after
the manager confirmed it. Distances are great-circle (haversine) in metres.
"""

import math
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from crm.models import User
from crm.services import audit_record
from customers.models import Customer
from customers.selectors import customer_list_for

from . import permissions
from .models import CustomerLocation, LocationSource, VisitMode, VisitPolicy, VisitReport

EARTH_RADIUS_M = 6_371_000


class CheckinError(Exception):
    """A position or location that cannot be used; the message is shown to the user."""


@dataclass(frozen=True)
class Position:
    latitude: float
    longitude: float
    accuracy_m: int | None = None
    at: datetime | None = None


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> int:
    """Great-circle distance in metres (haversine; the error at city scale is well under 1 %)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return round(2 * EARTH_RADIUS_M * math.asin(math.sqrt(a)))


def position_parse(*, latitude, longitude, accuracy=None, at=None) -> Position | None:
    """A position from the form's hidden fields; None when the phone gave none."""
    if latitude in (None, "") or longitude in (None, ""):
        return None
    try:
        lat, lng = float(latitude), float(longitude)
        acc = round(float(accuracy)) if accuracy not in (None, "") else None
    except (TypeError, ValueError) as exc:
        raise CheckinError(_("The position sent by the phone is not valid.")) from exc
    if (
        not (-90 <= lat <= 90 and -180 <= lng <= 180)
        or (acc is not None and acc < 0)
        or math.isnan(lat + lng)
    ):
        raise CheckinError(_("The position sent by the phone is not valid."))
    return Position(latitude=lat, longitude=lng, accuracy_m=acc, at=at)


def report_checkin_apply(
    *, report: VisitReport, position: Position | None, policy: VisitPolicy, now: datetime
) -> None:
    """Fill the check-in fields of a new report (inside its transaction) and propose a location.

    An on-site report without a position, or farther than the policy distance from the
    customer's confirmed location, is marked for the manager. The first checked-in on-site
    visit of a customer without a location proposes one (the manager confirms it).
    """
    if position is not None:
        report.checkin_latitude, report.checkin_longitude = position.latitude, position.longitude
        report.checkin_accuracy_m = position.accuracy_m
        report.checkin_at = position.at or now
    if report.mode != VisitMode.ONSITE:
        return
    location = CustomerLocation.objects.filter(customer_id=report.customer_id).first()
    if position is None:
        report.checkin_flagged = True
    elif location is not None and location.confirmed:
        report.checkin_distance_m = distance_m(
            position.latitude, position.longitude, location.latitude, location.longitude
        )
        report.checkin_flagged = report.checkin_distance_m > policy.checkin_max_distance_m
    elif location is None:
        CustomerLocation.objects.create(
            customer_id=report.customer_id,
            latitude=position.latitude,
            longitude=position.longitude,
            source=LocationSource.CHECKIN,
            confirmed=False,
            proposed_by_report=report,
            set_by=report.author,
        )
    report.save(
        update_fields=[
            "checkin_latitude",
            "checkin_longitude",
            "checkin_accuracy_m",
            "checkin_at",
            "checkin_distance_m",
            "checkin_flagged",
        ]
    )


def customer_location_set(
    *, actor: User, customer_id: int, latitude: float, longitude: float
) -> CustomerLocation:
    """The office sets a customer's coordinates (confirmed at once). Assistants and managers only."""
    if not permissions.customer_location_set_allowed(actor):
        raise CheckinError(_("Only the sales assistant or the manager sets a customer's location."))
    position = position_parse(latitude=latitude, longitude=longitude)
    if position is None:
        raise CheckinError(_("Give both latitude and longitude."))
    with transaction.atomic():
        customer = customer_list_for(actor).select_for_update().get(pk=customer_id)
        before = (
            CustomerLocation.objects.filter(customer=customer)
            .values("latitude", "longitude", "source")
            .first()
        )
        loc, _created = CustomerLocation.objects.update_or_create(
            customer=customer,
            defaults={
                "latitude": position.latitude,
                "longitude": position.longitude,
                "source": LocationSource.ASSISTANT,
                "confirmed": True,
                "proposed_by_report": None,
                "set_by": actor,
            },
        )
        audit_record(
            actor=actor,
            action="visits.location.set",
            target=customer,
            before=before,
            after={"latitude": loc.latitude, "longitude": loc.longitude},
        )
    return loc


def customer_location_confirm(*, actor: User, customer_id: int) -> CustomerLocation:
    """The manager confirms the location a check-in proposed."""
    if not permissions.customer_location_confirm_allowed(actor):
        raise CheckinError(_("Only the manager confirms a proposed location."))
    with transaction.atomic():
        customer = customer_list_for(actor).get(pk=customer_id)
        loc = CustomerLocation.objects.select_for_update().filter(customer=customer).first()
        if loc is None:
            raise CheckinError(_("No location was proposed for this customer."))
        if loc.confirmed:
            raise CheckinError(_("This location is already confirmed."))
        loc.confirmed = True
        loc.save(update_fields=["confirmed", "updated_at"])
        audit_record(
            actor=actor,
            action="visits.location.confirmed",
            target=customer,
            after={"latitude": loc.latitude, "longitude": loc.longitude},
        )
    return loc


def proposed_locations_for(user: User) -> QuerySet[CustomerLocation]:
    """Locations proposed by check-ins that wait for this manager's confirmation."""
    return (
        CustomerLocation.objects.filter(confirmed=False, customer__in=customer_list_for(user))
        .select_related("customer", "set_by", "proposed_by_report")
        .order_by("updated_at", "pk")
    )


@dataclass
class NearbyCustomer:
    customer: Customer
    distance_m: int
    days_since_onsite: int | None

    @property
    def distance_km(self) -> float:
        return self.distance_m / 1000


def customers_near(user: User, *, position: Position, today: date, limit: int = 50) -> list[NearbyCustomer]:
    """附近客户: the user's own customers with a confirmed location, nearest first. One query."""
    qs = (
        customer_list_for(user)
        .filter(owner=user, is_deleted=False, location__confirmed=True)
        .select_related("location")
    )
    rows = [
        NearbyCustomer(
            customer=c,
            distance_m=distance_m(
                position.latitude, position.longitude, c.location.latitude, c.location.longitude
            ),
            days_since_onsite=(today - c.last_onsite_visit_on).days if c.last_onsite_visit_on else None,
        )
        for c in qs
    ]
    rows.sort(key=lambda r: (r.distance_m, r.customer.pk))
    return rows[:limit]
