from django import template
from django.utils import translation

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs):
    """The current query string with some parameters replaced (pagination keeps filters)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value is None or value == "":
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()


def _english() -> bool:
    return (translation.get_language() or "").startswith("en")


@register.filter
def money_wan(value_wan):
    """An amount kept in 万元 (registered capital) as a reader says it: 200.00 万元, or ¥2,000,000 in English."""
    if value_wan in (None, ""):
        return "—"
    if _english():
        return f"¥{float(value_wan) * 10000:,.0f}"
    return f"{float(value_wan):,.2f} 万元"


@register.filter
def money_yuan(value):
    """An amount kept in 元 shown in 万元 as the regulations do (12.50 万元), or ¥125,000.00 in English."""
    if value in (None, ""):
        return "—"
    if _english():
        return f"¥{float(value):,.2f}"
    return f"{float(value) / 10000:,.2f} 万元"


@register.filter
def wan(value):
    """元 to 万元 with two decimals (the regulations speak in 万元)."""
    if value in (None, ""):
        return ""
    return f"{float(value) / 10000:,.2f}"


@register.simple_tag
def submission_key_field():
    """The hidden one-time submission key of a form that creates something (crm.submissions)."""
    import uuid

    from django.utils.html import format_html

    return format_html('<input type="hidden" name="submission_key" value="{}">', uuid.uuid4())
