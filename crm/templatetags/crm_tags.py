from functools import cache
from importlib import import_module

from django import template
from django.apps import apps
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


@cache
def _predicate(name: str):
    """The predicate "<app>.<name>_allowed" from `<app>.permissions`; anything else is refused loudly."""
    app_label, _dot, func = name.partition(".")
    if not func or "." in func or not func.endswith("_allowed") or func.startswith("_"):
        raise template.TemplateSyntaxError(f'{{% allowed %}} takes "<app>.<predicate>_allowed", got "{name}"')
    try:
        app = apps.get_app_config(app_label)
    except LookupError as exc:
        raise template.TemplateSyntaxError(
            f'{{% allowed "{name}" %}}: no installed app "{app_label}"'
        ) from exc
    module = import_module(f"{app.name}.permissions")
    fn = getattr(module, func, None)
    if not callable(fn):
        raise template.TemplateSyntaxError(f'{{% allowed "{name}" %}}: {module.__name__} has no {func}')
    return fn


@register.simple_tag
def allowed(name, user, *args):
    """Ask a permission predicate: {% allowed "complaints.ticket_assign_allowed" user ticket as may_assign %}.

    The one way templates decide who may do what (docs/architecture.md, "Who may do what"):
    only functions of an app's permissions.py whose names end in `_allowed`; a wrong name fails
    the page (TemplateSyntaxError) instead of hiding a button. An anonymous user is never allowed.
    """
    fn = _predicate(name)
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(fn(user, *args))
