"""A customer as every page names it (issues 14.3, 14.14): `{% customer_name c %}` and its marks,
`{% customer_badges c %}` (the grade, the tier, the red blacklist mark).

The short name alone does not tell customers apart (short names repeat), so the full name follows
it; `full=True`: the full name alone (headers); `nobadge=True`: without the marks. Tags rather
than included templates: a list of 25 customers rendered the two includes a hundred times, about
a quarter of the page's time (bench, issue 21).
"""

from django import template
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()

TIER_CLASSES = {"strategic": "bg-primary", "key": "bg-info text-dark", "reserve": "bg-light text-dark border"}


@register.simple_tag
def customer_badges(c) -> SafeString:
    parts = []
    if c.grade:
        title = _("Grade") + (f" ({_('provisional')})" if c.grade_provisional else "")
        star = mark_safe("<sup>*</sup>") if c.grade_provisional else ""
        parts.append(
            format_html(
                '<span class="badge grade-badge grade-{}" title="{}">{}{}</span>',
                c.grade,
                title,
                c.grade,
                star,
            )
        )
    if c.tier in TIER_CLASSES:
        parts.append(
            format_html(
                ' <span class="badge tier-badge tier-{} {}" data-testid="tier-badge" title="{}">{}</span>',
                c.tier,
                TIER_CLASSES[c.tier],
                _("Tier"),
                c.get_tier_display(),
            )
        )
    if c.is_blacklisted:
        until = c.blacklisted_until
        title = _("Blacklisted until %(d)s") % {"d": date_format(until, "Y-m-d")} if until else ""
        parts.append(
            format_html(
                ' <span class="badge badge-blacklist" data-testid="blacklist-mark" title="{}">{}</span>',
                title,
                _("Blacklisted"),
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 - each part built by format_html


@register.simple_tag
def customer_name(c, full=False, nobadge=False) -> SafeString:
    if full or not c.short_name or c.short_name == c.name:
        name = format_html('<span class="fw-semibold">{}</span>', c.name)
    else:
        name = format_html(
            '<span class="fw-semibold">{}</span> <small class="text-body-secondary customer-fullname">{}</small>',
            c.short_name,
            c.name,
        )
    badges = "" if nobadge else format_html(" {}", customer_badges(c))
    return format_html('<span class="customer-name">{}{}</span>', name, badges)
