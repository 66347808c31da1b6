from django import forms
from django.utils.translation import gettext_lazy as _

from customers.models import PROVINCE_CHOICES

from .models import PlanDimension, ReportStatus


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


# Industry and region rows have a key to type; grade, tier and salesperson rows are fixed.
FREE_KEY = (PlanDimension.INDUSTRY, PlanDimension.REGION)
NUMBER = {"class": "form-control", "inputmode": "numeric", "min": "0"}


class PlanTargetForm(forms.Form):
    """One row of the plan's table: a target count or a share for one key (blank: no target)."""

    dimension = forms.ChoiceField(choices=PlanDimension.choices, disabled=True, widget=forms.HiddenInput)
    key = forms.CharField(label=_("Value"), required=False, max_length=60)
    target_count = forms.IntegerField(
        label=_("target count"), required=False, min_value=0, widget=forms.NumberInput(attrs=NUMBER)
    )
    target_share = forms.DecimalField(
        label=_("target share (%)"),
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=2,
        widget=forms.NumberInput(attrs={**NUMBER, "inputmode": "decimal", "max": "100", "step": "0.01"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        dimension = self.initial.get("dimension")
        self.label = self.initial.get("label", "")
        if dimension == PlanDimension.REGION:
            self.fields["key"].widget = forms.Select(
                choices=[("", "—")] + PROVINCE_CHOICES, attrs={"class": "form-select"}
            )
        elif dimension == PlanDimension.INDUSTRY:
            self.fields["key"].widget = forms.TextInput(
                attrs={"class": "form-control", "list": "plan-industries"}
            )
        else:
            self.fields["key"].disabled = True
            self.fields["key"].widget = forms.HiddenInput()
        if dimension == PlanDimension.NEW_CUSTOMERS:
            del self.fields["target_share"]  # new customers are counted, never a share (§11)

    @property
    def free_key(self) -> bool:
        return self.initial.get("dimension") in FREE_KEY

    def clean(self):
        d = super().clean()
        count, share = d.get("target_count"), d.get("target_share")
        if count is not None and share is not None:
            raise forms.ValidationError(_("Give a count or a share, not both."))
        if self.free_key and (count is not None or share is not None) and not (d.get("key") or "").strip():
            self.add_error("key", _("Choose or type the value this target is for."))
        return d

    def target(self) -> dict | None:
        """The row as the service takes it, or None for a blank row (no target)."""
        d = self.cleaned_data
        share = d.get("target_share")
        if d.get("target_count") is None and share is None:
            return None
        return {
            "dimension": d["dimension"],
            "key": (d.get("key") or "").strip(),
            "target_count": d.get("target_count"),
            "target_share": share,
        }


PlanTargetFormSet = forms.formset_factory(PlanTargetForm, extra=0)


class PlanForm(forms.Form):
    notes = forms.CharField(
        label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"})
    )
