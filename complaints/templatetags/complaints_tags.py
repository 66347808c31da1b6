from datetime import timedelta

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def time_left(delta: timedelta | None) -> str:
    """A deadline's distance, in days, hours and minutes: "剩余 5小时20分" or "已超时 1天3小时"."""
    if delta is None:
        return ""
    overdue = delta.total_seconds() < 0
    minutes = int(abs(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        text = _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    else:
        text = _("%(h)d h %(m)d min") % {"h": hours, "m": mins}
    return (_("overdue by %(t)s") if overdue else _("%(t)s left")) % {"t": text}


@register.simple_tag
def deadline_delta(ticket, now):
    return ticket.deadline_at - now


STATUS_CLASSES = {
    "received": "bg-secondary",
    "assigned": "bg-primary",
    "resolved": "bg-info text-dark",
    "return_visited": "bg-success",
    "closed": "bg-dark",
}


@register.filter
def status_class(status: str) -> str:
    return STATUS_CLASSES.get(status, "bg-secondary")
