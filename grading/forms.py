"""What a person types on the grading screens; the rules live in grading.services."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.date_bounds import TypedDateBounds
from crm.forms import bootstrap_style
from customers.forms import DateInput

from .indicators import Scoring
from .models import GRADES, Evaluation, IncidentType


class EvaluationForm(forms.Form):
    """客户质量等级评估表: the period and a 0-100 score for each indicator the evaluator scores
    (the policy's indicators, grading.indicators; computed ones are shown, not typed)."""

    period_year = forms.TypedChoiceField(label=_("Period (figures of year)"), coerce=int)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, years: list[int], indicators: list, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        choices = sorted(set(years) | {this_year - 1, this_year}, reverse=True)
        self.fields["period_year"].choices = [(y, str(y)) for y in choices]
        # The last completed year by default: the current year's figures are still partial.
        self.fields["period_year"].initial = (
            this_year - 1 if (this_year - 1) in years or not years else years[0]
        )
        notes = self.fields.pop("notes")
        self.manual_keys = []
        for ind in indicators:
            if ind.scoring != Scoring.MANUAL:
                continue
            self.manual_keys.append(ind.key)
            self.fields[f"score_{ind.key}"] = forms.IntegerField(
                label=f"{ind.name} ({ind.weight}%)",
                min_value=0,
                max_value=100,
                help_text=_("Less %(points)d points per incident of the period that concerns it.")
                % {"points": ind.deduction}
                if ind.deduction and ind.incident_types
                else "",
                widget=forms.NumberInput(
                    attrs={"inputmode": "numeric", "min": 0, "max": 100, "data-weight": ind.weight}
                ),
            )
        self.fields["notes"] = notes
        bootstrap_style(self.fields)

    def scores(self) -> dict:
        return {key: self.cleaned_data[f"score_{key}"] for key in self.manual_keys}


class ProposalForm(forms.Form):
    to_grade = forms.ChoiceField(label=_("New grade"))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    evaluation = forms.ModelChoiceField(
        label=_("Evidence (evaluation)"),
        queryset=Evaluation.objects.none(),
        required=False,
        help_text=_("Required for a promotion to A."),
    )

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        grades = [g for g in GRADES if g != customer.grade or customer.grade_provisional]
        self.fields["to_grade"].choices = [(g, g) for g in grades]
        self.fields["evaluation"].queryset = Evaluation.objects.filter(customer=customer).order_by(
            "-created_at"
        )
        self.fields["evaluation"].label_from_instance = lambda e: (
            f"{e.period_year} · {e.get_kind_display()} · {e.weighted_score if e.weighted_score is not None else '—'}"
            f" → {e.suggested_grade}"
        )
        bootstrap_style(self.fields)


class IncidentForm(forms.Form):
    # An empty first choice: a type preselected by the browser would be recorded unread.
    incident_type = forms.ChoiceField(label=_("Type"), choices=[("", "---------"), *IncidentType.choices])
    # A date input only takes an ISO value; the zh-hans display format (2026/11/29) left it empty on phones.
    occurred_on = forms.DateField(
        label=_("Date"), widget=DateInput(), validators=[TypedDateBounds(allow_future=False)]
    )
    # Its own msgid: "Description" is 投诉内容 in the complaint screens.
    description = forms.CharField(
        label=pgettext_lazy("incident", "What happened"), widget=forms.Textarea(attrs={"rows": 4})
    )
    evidence = forms.FileField(
        label=_("Evidence"), required=False, help_text=_("PDF, image, Word or Excel; at most 10 MB.")
    )
    is_serious = forms.BooleanField(
        label=_("Serious (major loss or reputation damage: reported to the general manager's office)"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occurred_on"].initial = timezone.localdate()
        bootstrap_style(self.fields)
