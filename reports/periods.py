"""Report periods: months, quarters and half-years, their ends and due dates (§12)."""

import calendar
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from .models import Period

MONTHS = {Period.MONTH: 1, Period.QUARTER: 3, Period.HALF_YEAR: 6}


def period_containing(period: str, d: date) -> tuple[date, date]:
    size = MONTHS[period]
    first_month = (d.month - 1) // size * size + 1
    last_month = first_month + size - 1
    return date(d.year, first_month, 1), date(d.year, last_month, calendar.monthrange(d.year, last_month)[1])


def last_completed_period(period: str, today: date) -> tuple[date, date]:
    """The latest period that ended before `today` (on 1 July: January–June)."""
    start, _end = period_containing(period, today)
    return period_containing(period, start - timedelta(days=1))


def previous_period(period: str, start: date) -> tuple[date, date]:
    return period_containing(period, start - timedelta(days=1))


def due_date(period_end: date, due_day: int) -> date:
    """Day `due_day` of the month after the period (half-year to 30 June, day 10: 10 July)."""
    return (period_end + timedelta(days=1)).replace(day=due_day)


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in the company's time zone."""
    tz = timezone.get_current_timezone()
    return datetime.combine(start, time.min, tzinfo=tz), datetime.combine(
        end + timedelta(days=1), time.min, tzinfo=tz
    )


def period_label(period: str, start: date) -> str:
    if period == Period.MONTH:
        return f"{start.year}年{start.month}月"
    if period == Period.QUARTER:
        return f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
    return f"{start.year}年{'上' if start.month == 1 else '下'}半年"
