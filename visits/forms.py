"""Forms of visits: what a salesperson types on a phone. Validation only; the rules live in services."""

from django import forms
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from crm.date_bounds import TypedDateBounds
from customers.models import Customer
from surveys.forms import score_field
from surveys.selectors import active_questions

from .models import CooperationIntent, VisitMode, VisitPurpose
from .services import visitor_choices

BIG = {"class": "form-control form-control-lg"}
# Radios and check boxes drawn as large toggle buttons (Bootstrap btn-check): easy to tap.
CHECK = {"class": "btn-check", "autocomplete": "off"}
NEXT_STEP_ROWS = 3


class CapitalisedLabels:
    """Labels share their lower-case msgids with the models' verbose names: start them with a
    capital on the screen (the English UI; Chinese is unchanged)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.label = capfirst(field.label)


class ContactChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        position = obj.get_position_display()
        return f"{obj.name} · {position}" if position else obj.name


class UserChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class VisitPlanForm(CapitalisedLabels, forms.Form):
    purpose = forms.CharField(label=_("purpose"), max_length=200, widget=forms.TextInput(attrs=BIG))
    planned_at = forms.DateTimeField(
        validators=[TypedDateBounds()],
        label=_("planned date and time"),
        widget=forms.DateTimeInput(attrs={**BIG, "type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    visitors = UserChoiceField(
        label=_("visitors"), queryset=None, widget=forms.CheckboxSelectMultiple(attrs=CHECK), required=False
    )
    contacts = ContactChoiceField(
        label=_("contacts to meet"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple(attrs=CHECK),
        required=False,
    )
    content = forms.CharField(
        label=_("content to cover"), required=False, widget=forms.Textarea(attrs={**BIG, "rows": 3})
    )

    def __init__(self, *args, customer: Customer, user, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()
        self.fields["planned_at"].widget.attrs["min"] = timezone.localtime(self.now).strftime(
            "%Y-%m-%dT00:00"
        )
        self.fields["visitors"].queryset = visitor_choices(customer)
        self.fields["contacts"].queryset = customer.contacts.all()
        self.initial.setdefault("visitors", [user.pk])

    def clean_planned_at(self):
        from .services import PLAN_PAST_GRACE

        value = self.cleaned_data["planned_at"]
        if value < self.now - PLAN_PAST_GRACE:
            raise forms.ValidationError(_("A visit cannot be planned in the past."))
        return value

    def service_data(self) -> dict:
        d = self.cleaned_data
        return {
            "purpose": d["purpose"],
            "planned_at": d["planned_at"],
            "content": d["content"],
            "visitor_ids": [u.pk for u in d["visitors"]],
            "contact_ids": [c.pk for c in d["contacts"]],
        }


class VisitReportForm(CapitalisedLabels, forms.Form):
    purpose = forms.ChoiceField(
        label=_("kind"),
        choices=VisitPurpose.choices,
        initial=VisitPurpose.REGULAR,
        required=False,  # a form (or a queued offline draft) from before the choice: a customer visit
        widget=forms.RadioSelect(attrs=CHECK),
    )
    visited_on = forms.DateField(
        validators=[TypedDateBounds(allow_future=False)],
        label=_("visit date"),
        widget=forms.DateInput(attrs={**BIG, "type": "date"}, format="%Y-%m-%d"),
    )
    mode = forms.ChoiceField(
        label=_("mode"),
        choices=VisitMode.choices,
        initial=VisitMode.ONSITE,
        widget=forms.RadioSelect(attrs=CHECK),
    )
    contacts = ContactChoiceField(
        label=_("people met"), queryset=None, widget=forms.CheckboxSelectMultiple(attrs=CHECK), required=False
    )
    latest_needs = forms.CharField(
        label=_("latest needs"), required=False, widget=forms.Textarea(attrs={**BIG, "rows": 3})
    )
    opinions = forms.CharField(
        label=_("opinions and suggestions"), required=False, widget=forms.Textarea(attrs={**BIG, "rows": 3})
    )
    problems = forms.CharField(
        label=_("problems raised"), required=False, widget=forms.Textarea(attrs={**BIG, "rows": 2})
    )
    competitor_news = forms.CharField(
        label=_("competitor news"), required=False, widget=forms.Textarea(attrs={**BIG, "rows": 2})
    )
    cooperation_intent = forms.ChoiceField(
        label=_("cooperation intent"),
        required=False,
        choices=CooperationIntent.choices,
        widget=forms.RadioSelect(attrs=CHECK),
    )
    summary = forms.CharField(
        label=_("other notes"), required=False, widget=forms.Textarea(attrs={**BIG, "rows": 2})
    )
    # A return visit (回访) records the customer's satisfaction (§10): the survey's questions.
    satisfaction_comment = forms.CharField(
        label=_("Comment on satisfaction"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={**BIG, "rows": 2}),
    )

    def __init__(self, *args, customer: Customer, user, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = active_questions()
        for q in self.questions:
            field = score_field(q, required=False)
            field.widget.attrs.update(CHECK)
            self.fields[f"satisfaction_{q.pk}"] = field
        self.today = timezone.localdate(now or timezone.now())
        self.fields["visited_on"].widget.attrs["max"] = self.today.isoformat()
        self.fields["contacts"].queryset = customer.contacts.all()
        owners = list(visitor_choices(customer))
        if all(o.pk != user.pk for o in owners):
            owners.insert(0, user)
        owner_choices = [(o.pk, o.display_name) for o in owners]
        for i in range(NEXT_STEP_ROWS):
            self.fields[f"step_{i}_text"] = forms.CharField(
                label=capfirst(_("next step")),
                required=False,
                max_length=300,
                widget=forms.TextInput(attrs=BIG),
            )
            self.fields[f"step_{i}_due"] = forms.DateField(
                validators=[TypedDateBounds()],
                label=capfirst(_("due date")),
                required=False,
                widget=forms.DateInput(attrs={**BIG, "type": "date"}, format="%Y-%m-%d"),
            )
            self.fields[f"step_{i}_owner"] = forms.TypedChoiceField(
                label=capfirst(_("owner")),
                choices=owner_choices,
                coerce=int,
                initial=user.pk,
                widget=forms.Select(attrs={"class": "form-select form-select-lg"}),
            )

    def step_rows(self):
        return [
            (self[f"step_{i}_text"], self[f"step_{i}_due"], self[f"step_{i}_owner"])
            for i in range(NEXT_STEP_ROWS)
        ]

    def clean_purpose(self):
        return self.cleaned_data["purpose"] or VisitPurpose.REGULAR

    def clean_visited_on(self):
        d = self.cleaned_data["visited_on"]
        if d > self.today:
            raise forms.ValidationError(_("The visit date cannot be in the future."))
        return d

    def satisfaction_fields(self):
        return [self[f"satisfaction_{q.pk}"] for q in self.questions]

    def clean(self):
        cleaned = super().clean()
        for i in range(NEXT_STEP_ROWS):
            if cleaned.get(f"step_{i}_text") and not cleaned.get(f"step_{i}_due"):
                self.add_error(f"step_{i}_due", _("Give a due date for this next step."))
        if cleaned.get("purpose") == VisitPurpose.RETURN_VISIT:
            for q in self.questions:
                if cleaned.get(f"satisfaction_{q.pk}") is None:
                    self.add_error(f"satisfaction_{q.pk}", _("Please give a score."))
        return cleaned

    def satisfaction(self) -> dict | None:
        """The customer's answer for a return visit; a customer visit records none."""
        d = self.cleaned_data
        if d["purpose"] != VisitPurpose.RETURN_VISIT:
            return None
        return {
            "scores": {q.pk: d[f"satisfaction_{q.pk}"] for q in self.questions},
            "comment": d["satisfaction_comment"],
        }

    def service_data(self) -> dict:
        d = self.cleaned_data
        return {
            "visited_on": d["visited_on"],
            "mode": d["mode"],
            "contact_ids": [c.pk for c in d["contacts"]],
            "latest_needs": d["latest_needs"],
            "opinions": d["opinions"],
            "problems": d["problems"],
            "competitor_news": d["competitor_news"],
            "cooperation_intent": d["cooperation_intent"],
            "summary": d["summary"],
            "next_steps": [
                {"text": d[f"step_{i}_text"], "due_on": d[f"step_{i}_due"], "owner_id": d[f"step_{i}_owner"]}
                for i in range(NEXT_STEP_ROWS)
                if d.get(f"step_{i}_text")
            ],
        }


class CancelPlanForm(CapitalisedLabels, forms.Form):
    reason = forms.CharField(
        label=_("reason for cancelling"), max_length=200, required=False, widget=forms.TextInput(attrs=BIG)
    )


class ExportForm(CapitalisedLabels, forms.Form):
    date_from = forms.DateField(
        label=_("from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    date_to = forms.DateField(
        label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )
