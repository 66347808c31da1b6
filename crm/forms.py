"""What the apps' forms and services share: Bootstrap classes on widgets, and a
ValidationError turned into the one message shown to the user."""

from django import forms
from django.core.exceptions import ValidationError


def widget_css(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, forms.Select | forms.SelectMultiple):
        return "form-select"
    return "form-control"


def bootstrap_style(fields) -> None:
    """Bootstrap classes on every widget that has none yet (large touch targets on phones come
    from crm.css); a class set on a widget by hand (a small filter input) is kept."""
    for field in fields.values():
        field.widget.attrs.setdefault("class", widget_css(field.widget))


class BootstrapFormMixin:
    """Forms call `self._style()` at the end of `__init__`, once every field is in place."""

    def _style(self) -> None:
        bootstrap_style(self.fields)


def messages_from(exc: ValidationError) -> str:
    """Every message of a ValidationError (of a field, a form or a model's full_clean) as one
    line, for a domain error shown to the user."""
    return " ".join(exc.messages)
