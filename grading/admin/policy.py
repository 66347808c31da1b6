"""The administrator's page of the grading policy: the numbers of §3 and the evaluation sheet."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.admin_base import ScopedModelAdmin

from ..models import GradingPolicy, IncidentType, Indicator


class IndicatorForm(forms.ModelForm):
    incident_types = forms.MultipleChoiceField(
        label=gettext_lazy("incidents that lower it"),
        choices=IncidentType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Indicator
        fields = ("order", "key", "name", "weight", "scoring", "incident_types", "deduction", "a_min_score")
        widgets = {
            "order": forms.NumberInput(attrs={"style": "width: 4em"}),
            "weight": forms.NumberInput(attrs={"style": "width: 5em"}),
            "deduction": forms.NumberInput(attrs={"style": "width: 5em"}),
            "a_min_score": forms.NumberInput(attrs={"style": "width: 5em"}),
        }


class IndicatorFormSet(forms.BaseInlineFormSet):
    """The weights of the policy's indicators add up to 100 (§3), checked over the whole set."""

    def clean(self):
        super().clean()
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not kept:
            raise ValidationError(_("The evaluation sheet needs at least one indicator."))
        total = sum(f.cleaned_data.get("weight") or 0 for f in kept)
        if total != 100:
            raise ValidationError(
                _("The indicator weights must add up to 100 (now %(total)d).") % {"total": total}
            )


class IndicatorInline(admin.StackedInline):
    # Stacked: the incident-type checkboxes squeezed a table column to one character at 1280 px.
    model = Indicator
    form = IndicatorForm
    formset = IndicatorFormSet
    extra = 0
    fields = (("order", "key", "name", "weight"), ("scoring", "deduction", "a_min_score"), "incident_types")

    def get_queryset(self, request):
        GradingPolicy.load().indicator_list()  # the five defaults exist before the first edit
        return super().get_queryset(request)


@admin.register(GradingPolicy)
class GradingPolicyAdmin(ScopedModelAdmin):
    """The administrator edits the numbers of §3 and the indicators of the evaluation sheet;
    evaluations keep the values they used."""

    inlines = [IndicatorInline]

    def has_add_permission(self, request):
        return not GradingPolicy.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        policy = GradingPolicy.load()
        return HttpResponseRedirect(reverse("admin:grading_gradingpolicy_change", args=[policy.pk]))
