"""Forms of the customer archive: what a person typed, validated; no workflow here.

The archive form offers only `services.EDITABLE_FIELDS`: grade, status, blacklist and visit
state are never fields, so a forged POST carrying them is ignored (mass assignment).
"""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from crm.date_bounds import TypedDateBounds
from crm.forms import BootstrapFormMixin
from crm.uploads import XLSX

from .models import (
    BusinessProfile,
    Contact,
    Customer,
    CustomerStatus,
    DocumentType,
    YearlyFigure,
)
from .selectors import salespeople_for
from .services import (
    CONTACT_FIELDS,
    EDITABLE_FIELDS,
    FIGURE_FIELDS,
    PROFILE_FIELDS,
    CustomerError,
    ensure_admissible,
)
from .validators import normalize_credit_code, normalize_mobile, validate_mobile


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class CustomerForm(BootstrapFormMixin, forms.ModelForm):
    """Create or edit an archive. `owner` only for those who assign owners (assistant, manager)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    owner = forms.ModelChoiceField(queryset=None, required=False, label=_("Owner salesperson"))
    website = forms.URLField(label=_("website"), required=False, max_length=200, assume_scheme="https")

    class Meta:
        model = Customer
        fields = list(EDITABLE_FIELDS)
        widgets = {
            "cooperation_start": DateInput(),
            "business_scope": forms.Textarea(attrs={"rows": 3}),
            "credit_code": forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
            "phone": forms.TextInput(attrs={"inputmode": "tel"}),
        }

    def __init__(self, *args, user, creating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if creating and not user.is_salesperson:
            self.fields["owner"].queryset = salespeople_for(user).order_by("full_name")
            self.fields["owner"].required = True
        else:
            del self.fields["owner"]
        if creating:
            del self.fields["version"]
        else:
            self.fields["version"].initial = self.instance.version
            self.fields["version"].required = True
        self._style()

    def clean_credit_code(self):
        return normalize_credit_code(self.cleaned_data.get("credit_code", ""))

    def clean(self):
        """准入 first (issue 14.2): a blacklisted company typed again, by its credit code or a look-alike
        name, is refused as such, before any "already exists" message of the duplicate rules."""
        cleaned = super().clean()
        self._admission_refused = False
        if self.instance.pk and self.instance.is_blacklisted:
            return cleaned
        try:
            ensure_admissible(
                name=cleaned.get("name") or "",
                credit_code=cleaned.get("credit_code") or "",
                exclude_pk=self.instance.pk,
                actor=self.user,
            )
        except CustomerError as exc:
            self._admission_refused = True
            raise forms.ValidationError(str(exc), code="admission") from exc
        return cleaned

    def _post_clean(self):
        # The model's own checks (its unique constraints among them) would name a duplicate
        # credit code instead of the blacklist: skipped once admission has refused.
        if getattr(self, "_admission_refused", False):
            return
        super()._post_clean()

    def validate_unique(self):
        # Uniqueness (partial constraints) is checked by the service, which reports it in Chinese.
        pass

    def service_data(self) -> dict:
        return {f: self.cleaned_data[f] for f in EDITABLE_FIELDS if f in self.cleaned_data}


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=CustomerStatus.choices, label=_("Status"))


class ReassignForm(BootstrapFormMixin, forms.Form):
    owner = forms.ModelChoiceField(queryset=None, label=_("New owner"))

    def __init__(self, *args, user, customer, **kwargs):
        super().__init__(*args, **kwargs)
        qs = salespeople_for(user).exclude(pk=customer.owner_id)
        if not user.sees_all_departments:
            qs = qs.filter(department_id=customer.department_id)
        self.fields["owner"].queryset = qs.order_by("department__name", "full_name")
        self._style()


class ContactForm(BootstrapFormMixin, forms.ModelForm):
    # Wider than the stored 11 digits: "138 0013 8000", "+86…" or full-width digits are normalised.
    mobile = forms.CharField(
        label=_("mobile"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    class Meta:
        model = Contact
        fields = list(CONTACT_FIELDS)
        widgets = {
            "birthday": DateInput(),
            "preferences": forms.Textarea(attrs={"rows": 3}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

    def clean_mobile(self):
        value = self.cleaned_data.get("mobile", "")
        if not value:
            return ""
        validate_mobile(value)
        return normalize_mobile(value)


class ProfileForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = BusinessProfile
        fields = list(PROFILE_FIELDS)
        widgets = {f: forms.Textarea(attrs={"rows": 3}) for f in PROFILE_FIELDS if f != "market_share"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class YearlyFigureForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = YearlyFigure
        fields = ["year", *FIGURE_FIELDS]
        widgets = {
            "business_volume": forms.NumberInput(attrs={"inputmode": "decimal", "min": 0, "step": "0.01"}),
            "receivables": forms.NumberInput(attrs={"inputmode": "decimal", "min": 0, "step": "0.01"}),
        }

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].min_value = 1990
        self.fields["year"].max_value = 2100
        if editing:
            self.fields["year"].disabled = True
        self._style()

    def validate_unique(self):
        # One row per year: saving a year that exists replaces its figures (the service).
        pass


class DocumentForm(BootstrapFormMixin, forms.Form):
    doc_type = forms.ChoiceField(choices=DocumentType.choices, label=_("Document type"))
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, JPG, PNG, WEBP, DOCX or XLSX, at most 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.webp,.docx,.xlsx"}),
    )
    issued_on = forms.DateField(
        validators=[TypedDateBounds()], label=_("Issue date"), required=False, widget=DateInput()
    )
    expires_on = forms.DateField(
        validators=[TypedDateBounds()], label=_("Expiry date"), required=False, widget=DateInput()
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

    def clean(self):
        data = super().clean()
        issued, expires = data.get("issued_on"), data.get("expires_on")
        if issued and expires and expires < issued:
            self.add_error("expires_on", _("The expiry date must not be before the issue date."))
        return data


class ImportForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("What to import"), choices=[])
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": f".{XLSX.ext}"}),
    )

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds
        self.fields["file"].help_text = _("At most %(mb)d MB and %(rows)d rows.") % {
            "mb": settings.IMPORT_MAX_BYTES // (1024 * 1024),
            "rows": settings.IMPORT_MAX_ROWS,
        }
        self._style()
