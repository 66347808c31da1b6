from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ReportStatus


class ReportForm(forms.Form):
    commentary = forms.CharField(
        label=_("Commentary"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    problems = forms.CharField(
        label=_("Problems found / still open"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    measures = forms.CharField(
        label=_("Improvement measures / next period's plan"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=_("Reviewer's comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReportFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All"))] + ReportStatus.choices,
        widget=forms.Select(attrs={"class": "form-select form-select-sm w-auto"}),
    )
