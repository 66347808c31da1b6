"""What a person types on the complaint screens; the workflow rules live in services."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.date_bounds import TypedDateBounds
from crm.forms import bootstrap_style
from crm.models import Department, User
from customers.models import Grade
from customers.selectors import customer_list_for

from .models import Channel, ComplaintType, FeedbackMethod


class StyledForm(forms.Form):
    """Bootstrap classes on every widget, so templates can render `{{ field }}`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_style(self.fields)


def datetime_widget():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class TicketCreateForm(StyledForm):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=None)
    complaint_type = forms.ChoiceField(label=_("Type"), choices=ComplaintType.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
    received_at = forms.DateTimeField(
        validators=[TypedDateBounds()],
        label=_("Received at"),
        widget=datetime_widget(),
        required=False,
        help_text=_("Leave empty for now."),
    )
    claim_amount = forms.DecimalField(
        label=_("Claim amount (yuan)"), min_value=0, max_digits=14, decimal_places=2, required=False
    )
    attachment = forms.FileField(label=_("Attachment"), required=False)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customer_list_for(user).order_by("name_pinyin", "id")
        self.fields["customer"].label_from_instance = customer_choice_label


def customer_choice_label(c) -> str:
    """The customer's name, with A (handled first) and the blacklist mark (shown everywhere, §4)."""
    marks = [Grade.A.label] if c.grade == Grade.A else []
    if c.is_blacklisted:
        marks.append(str(_("Blacklisted")))
    return " · ".join([c.name, *marks])


class AssignForm(StyledForm):
    department = forms.ModelChoiceField(label=_("Responsible department"), queryset=Department.objects.all())
    handler = forms.ModelChoiceField(label=_("Handler"), queryset=None)
    time_limit_at = forms.DateTimeField(
        validators=[TypedDateBounds()], label=_("Time limit"), widget=datetime_widget()
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = (
            User.objects.filter(is_active=True, department__isnull=False)
            .select_related("department")
            .order_by("department__name", "full_name")
        )
        self.fields["handler"].label_from_instance = lambda u: f"{u.display_name} · {u.department}"


class ResolveForm(StyledForm):
    root_cause = forms.CharField(
        label=_("Root cause"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    corrective_action = forms.CharField(
        label=_("Corrective action"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class ReturnVisitForm(StyledForm):
    SATISFACTION = [
        (5, _("5 · very satisfied")),
        (4, _("4 · satisfied")),
        (3, _("3 · neutral")),
        (2, _("2 · dissatisfied")),
        (1, _("1 · very dissatisfied")),
    ]
    MODES = [
        ("phone", _("Phone")),
        ("onsite", _("On-site visit")),
        ("video", _("Video")),
        ("email", _("E-mail")),
    ]

    mode = forms.ChoiceField(label=_("How"), choices=MODES)
    visited_on = forms.DateField(
        validators=[TypedDateBounds(allow_future=False)],
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    satisfaction = forms.TypedChoiceField(label=_("Satisfaction"), choices=SATISFACTION, coerce=int)
    confirmation = forms.CharField(
        label=_("The customer's confirmation"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )

    def clean_visited_on(self):
        value = self.cleaned_data["visited_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value


class CloseForm(StyledForm):
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)


class EscalateForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class FeedbackForm(StyledForm):
    given_at = forms.DateTimeField(validators=[TypedDateBounds()], label=_("When"), widget=datetime_widget())
    method = forms.ChoiceField(label=_("How"), choices=FeedbackMethod.choices)
    content = forms.CharField(
        label=_("What was said"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class AttachmentForm(StyledForm):
    file = forms.FileField(label=_("File"))
