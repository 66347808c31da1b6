from django import template

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
