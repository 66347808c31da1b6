from django import forms
from django.utils.translation import gettext_lazy as _

from crm.models import Department
from customers.models import CustomerTier, Grade

from .models import ResponseSource, SurveyQuestion


def score_field(question: SurveyQuestion, *, required: bool = True) -> forms.TypedChoiceField:
    """One question's 1…N choice: the link page, the record page and the 回访 report use it."""
    return forms.TypedChoiceField(
        label=question.text,
        coerce=int,
        required=required,
        empty_value=None,
        widget=forms.RadioSelect,
        choices=[(i, str(i)) for i in range(1, question.scale_max + 1)],
        error_messages={"required": _("Please give a score.")},
    )


class ScoresForm(forms.Form):
    """One 1…N choice per active question, and a comment."""

    comment = forms.CharField(
        label=_("Comments and suggestions"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, questions: list[SurveyQuestion], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for q in questions:
            self.fields[f"q{q.pk}"] = score_field(q)
        self.order_fields([f"q{q.pk}" for q in questions] + ["comment"])

    def scores(self) -> dict[int, int]:
        return {q.pk: self.cleaned_data[f"q{q.pk}"] for q in self.questions}

    def score_fields(self):
        return [self[f"q{q.pk}"] for q in self.questions]


class RecordForm(ScoresForm):
    source = forms.ChoiceField(
        label=_("Recorded"),
        choices=[c for c in ResponseSource.choices if c[0] != "link"],
        initial=ResponseSource.VISIT,
    )


class RoundForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100)
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False
    )
    grades = forms.MultipleChoiceField(
        label=_("Grades"), choices=Grade.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    tiers = forms.MultipleChoiceField(
        label=_("Tiers"), choices=CustomerTier.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    closes_on = forms.DateField(label=_("Closes on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.sees_all_departments:
            self.fields["department"].queryset = Department.objects.filter(is_head_office=False)
            self.fields["department"].required = True
        else:
            del self.fields["department"]
