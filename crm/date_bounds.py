"""Bounds of every date and time a person or an import types (issue 13.3).

A complaint received on 0001-01-01 was stored (a BC timestamp on PostgreSQL) and then broke
every page that showed it. Every typed date is therefore bounded, in three places that share
these constants:

- forms and imports: the model field's validator (`TypedDateBounds`, copied into each
  ModelForm field and run by `full_clean`), from 2000-01-01 to today + 5 years, tighter where
  a rule says so (no future visit report date, feedback not before receipt);
- services: `check_date` / `check_datetime` with the `today` / `now` of the operation;
- the database: a CheckConstraint per field (`date_bounds_q` / `datetime_bounds_q`). A
  constraint cannot read "today", so it holds the fixed lower bound and a generous fixed upper
  bound (2100-01-01); `repair_out_of_bounds` moves rows outside into the bounds before.
"""

from datetime import UTC, date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _

from crm.services import add_months

EARLIEST_DATE = date(2000, 1, 1)
YEARS_AHEAD = 5
# The database's fixed upper bound: "today + 5 years" cannot be a constraint.
DB_LATEST_DATE = date(2100, 1, 1)
# 2000-01-01 00:00 in the company's time zone (Asia/Shanghai, UTC+8): the form's first
# allowed minute must pass the database check.
DB_EARLIEST_DATETIME = datetime(1999, 12, 31, 16, 0, tzinfo=UTC)
DB_LATEST_DATETIME = datetime(2100, 1, 1, tzinfo=UTC)


def latest_date(today: date) -> date:
    return add_months(today, 12 * YEARS_AHEAD)


def _bounds_error(lowest: date, highest: date) -> ValidationError:
    return ValidationError(
        _("Enter a date between %(min)s and %(max)s.")
        % {"min": lowest.isoformat(), "max": highest.isoformat()},
        code="date_bounds",
    )


def check_date(
    value: date | None, *, today: date, allow_future: bool = True, not_before: date | None = None
) -> None:
    """Raise ValidationError (a message in the user's language) for a typed date out of bounds."""
    if value is None:
        return
    highest = latest_date(today) if allow_future else today
    lowest = max(EARLIEST_DATE, not_before) if not_before else EARLIEST_DATE
    if not allow_future and value > today:
        raise ValidationError(_("The date cannot be in the future."), code="date_future")
    if value < lowest or value > highest:
        raise _bounds_error(lowest, highest)


def check_datetime(
    value: datetime | None, *, now: datetime, allow_future: bool = True, not_before: datetime | None = None
) -> None:
    """As `check_date`, for a date and time; `not_before` (e.g. the receipt of a complaint) is
    compared to the minute, as the form shows it."""
    if value is None:
        return
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    today = timezone.localdate(now)
    check_date(local.date(), today=today, allow_future=allow_future)
    if not_before is not None and value < not_before.replace(second=0, microsecond=0):
        raise ValidationError(
            _("The time cannot be before %(t)s.")
            % {"t": timezone.localtime(not_before).strftime("%Y-%m-%d %H:%M")},
            code="date_before",
        )


@deconstructible
class TypedDateBounds:
    """The field validator: a date (or date and time) a person typed, within the bounds above."""

    def __init__(self, allow_future: bool = True):
        self.allow_future = allow_future

    def __call__(self, value):
        now = timezone.now()
        if isinstance(value, datetime):
            check_datetime(value, now=now, allow_future=self.allow_future)
        else:
            check_date(value, today=timezone.localdate(now), allow_future=self.allow_future)

    def __eq__(self, other):
        return isinstance(other, TypedDateBounds) and other.allow_future == self.allow_future


def date_bounds_q(field: str, *, nullable: bool = False) -> Q:
    q = Q(**{f"{field}__gte": EARLIEST_DATE, f"{field}__lt": DB_LATEST_DATE})
    return q | Q(**{f"{field}__isnull": True}) if nullable else q


def datetime_bounds_q(field: str, *, nullable: bool = False) -> Q:
    q = Q(**{f"{field}__gte": DB_EARLIEST_DATETIME, f"{field}__lt": DB_LATEST_DATETIME})
    return q | Q(**{f"{field}__isnull": True}) if nullable else q


def repair_out_of_bounds(model, field: str, *, nullable: bool, fallback: str | None = None) -> int:
    """The data migration's repair: a row outside the database bounds gets NULL (optional
    fields), else its `fallback` field of the same type (when the row was recorded) if that is
    within bounds, else the nearest bound. Set-based (a BC timestamp cannot even be read into
    Python) and idempotent. Returns the number of rows changed."""
    is_datetime = model._meta.get_field(field).get_internal_type() == "DateTimeField"
    low, high = (DB_EARLIEST_DATETIME, DB_LATEST_DATETIME) if is_datetime else (EARLIEST_DATE, DB_LATEST_DATE)
    last = high - (timedelta(minutes=1) if is_datetime else timedelta(days=1))
    rows = model._default_manager.all()
    outside = Q(**{f"{field}__lt": low}) | Q(**{f"{field}__gte": high})
    if nullable:
        return rows.filter(outside).update(**{field: None})
    changed = 0
    if fallback:
        changed += rows.filter(outside, **{f"{fallback}__gte": low, f"{fallback}__lt": high}).update(
            **{field: F(fallback)}
        )
    changed += rows.filter(**{f"{field}__lt": low}).update(**{field: low})
    changed += rows.filter(**{f"{field}__gte": high}).update(**{field: last})
    return changed
