from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from crm.forms import messages_from
from crm.uploads import DOCUMENTS, validate_upload

from .models import BlacklistEntry, EntryState, ReadmissionRequest


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several evidence files in one input; each is checked by crm.uploads.validate_upload."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True, "class": "form-control"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        errors = []
        for f in files:
            super().clean(f, initial)
            try:
                validate_upload(f, allowed=DOCUMENTS)
            except ValidationError as exc:
                errors.append(f"{f.name}: {messages_from(exc)}")
        if errors:
            raise ValidationError(errors)
        return files


class EntryReportForm(forms.ModelForm):
    evidence = MultipleFileField(
        label=_("Evidence files"),
        required=False,
        help_text=_("Contracts, letters, photos, statements: PDF, images, Word or Excel."),
    )

    incidents = forms.ModelMultipleChoiceField(
        label=_("Linked incidents"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Incident records of this customer that support the entry."),
    )

    class Meta:
        model = BlacklistEntry
        fields = ["reason_category", "reason", "loss_amount", "loss_description"]
        widgets = {
            "reason_category": forms.Select(attrs={"class": "form-select"}),
            "reason": forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
            "loss_amount": forms.NumberInput(attrs={"class": "form-control", "min": "0", "step": "0.01"}),
            "loss_description": forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        }

    def __init__(self, *args, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        from grading.selectors import (
            incidents_of,  # read-only: the customer's incident records to choose from
        )

        qs = incidents_of(customer)
        self.fields["incidents"].queryset = qs
        if customer is None or not qs.exists():
            del self.fields["incidents"]

    def clean_loss_amount(self):
        value = self.cleaned_data.get("loss_amount") or 0
        if value < 0:
            raise ValidationError(_("The loss amount cannot be negative."))
        return value


class ApproveForm(forms.Form):
    ends_on = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
        help_text=_("Leave empty for the full period; a shorter period may be set, never a longer one."),
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"})
    )

    def __init__(self, *args, today=None, longest=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today, self.longest = today, longest
        if longest:
            self.fields["ends_on"].widget.attrs["max"] = longest.isoformat()

    def clean_ends_on(self):
        ends_on = self.cleaned_data.get("ends_on")
        if ends_on and self.longest and ends_on > self.longest:
            raise ValidationError(
                _(
                    "The blacklist period cannot be longer than the policy allows: the end date must be on or before %(date)s."
                ),
                params={"date": self.longest},
            )
        if ends_on and self.today and ends_on <= self.today:
            raise ValidationError(_("The end date must be after today."))
        return ends_on


class CommentRequiredForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


class ReadmissionForm(forms.ModelForm):
    """The fresh evaluation of the admission conditions (准入条件)."""

    class Meta:
        model = ReadmissionRequest
        fields = [
            "licence_valid",
            "debts_settled",
            "operating_normally",
            "cause_resolved",
            "expected_volume",
            "evaluation",
        ]
        widgets = {
            **{
                c: forms.CheckboxInput(attrs={"class": "form-check-input"})
                for c in ("licence_valid", "debts_settled", "operating_normally", "cause_resolved")
            },
            "evaluation": forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
            "expected_volume": forms.NumberInput(attrs={"class": "form-control", "min": "0", "step": "0.01"}),
        }

    def clean(self):
        data = super().clean()
        unmet = [
            self.fields[c].label
            for c in ("licence_valid", "debts_settled", "operating_normally", "cause_resolved")
            if not data.get(c)
        ]
        if unmet:
            raise ValidationError(
                _("The customer must meet every admission condition. Not met: %(list)s."),
                params={"list": "; ".join(str(u) for u in unmet)},
            )
        return data


class ReportFilterForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=None,
        required=False,
        empty_label=_("All departments"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("All states")), *EntryState.choices],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    date_from = forms.DateField(
        label=_("Reported from"),
        required=False,
        widget=forms.DateInput(
            attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d"
        ),
    )
    date_to = forms.DateField(
        label=_("Reported to"),
        required=False,
        widget=forms.DateInput(
            attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d"
        ),
    )

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        d = self.cleaned_data
        return {
            "department_id": d["department"].pk if d.get("department") else None,
            "state": d.get("state") or "",
            "date_from": d.get("date_from"),
            "date_to": d.get("date_to"),
        }


class SubmitForm(forms.Form):
    """The manager's submission of a salesperson's proposal: opinion, corrected loss, more evidence.

    The same form carries 驳回 (its own button): the opinion typed is then the rejection's comment."""

    comment = forms.CharField(
        label=_("Your opinion"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text=_("Sent with the submission to 总经办; required when you reject."),
    )
    loss_amount = forms.DecimalField(
        label=_("Loss amount (yuan)"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
        widget=forms.NumberInput(attrs={"class": "form-control", "min": "0", "step": "0.01"}),
        error_messages={"min_value": _("The loss amount cannot be negative.")},
    )
    evidence = MultipleFileField(label=_("Add evidence files"), required=False)
