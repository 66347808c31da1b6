"""Forms of the engagement screens: what a person types on a phone. The rules live in services."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from crm.forms import bootstrap_style
from customers.models import Contact, CustomerTier

from .models import ContactMode, MeetingKind

BIG = {"class": "form-control form-control-lg"}
CHECK = {"class": "btn-check", "autocomplete": "off"}
HAND_MODE_CHOICES = [
    (m.value, m.label)
    for m in (ContactMode.PHONE, ContactMode.WECHAT, ContactMode.EMAIL, ContactMode.MEETING)
]


class ContactPersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        position = obj.get_position_display()
        return f"{obj.name} · {position}" if position else obj.name


class ContactRecordForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("mode"),
        choices=HAND_MODE_CHOICES,
        initial=ContactMode.PHONE,
        widget=forms.RadioSelect(attrs=CHECK),
    )
    contact = ContactPersonField(
        label=_("contact person"),
        queryset=Contact.objects.none(),
        required=False,
        empty_label=None,
        widget=forms.RadioSelect(attrs=CHECK),
    )
    summary = forms.CharField(label=_("what was said"), widget=forms.Textarea(attrs={**BIG, "rows": 3}))
    next_step = forms.CharField(
        label=_("next step"), max_length=300, required=False, widget=forms.TextInput(attrs=BIG)
    )
    next_step_on = forms.DateField(
        label=_("next step by"), required=False, widget=forms.DateInput(attrs={**BIG, "type": "date"})
    )

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.filter(customer=customer).order_by(
            "-is_primary", "pk"
        )
        for field in self.fields.values():
            field.label = capfirst(field.label)


class TierForm(forms.Form):
    tier = forms.ChoiceField(label=_("tier"), choices=CustomerTier.choices)
    reason = forms.CharField(
        label=_("reason"), widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"})
    )


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=MeetingKind.choices)
    title = forms.CharField(label=_("title"), max_length=200)
    held_on = forms.DateField(label=_("date"), widget=forms.DateInput(attrs={"type": "date"}))
    location = forms.CharField(label=_("location"), max_length=200, required=False)
    notes = forms.CharField(label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.label = capfirst(field.label)
        bootstrap_style(self.fields)
