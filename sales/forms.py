"""What people type: an agreement with its instalments, an ERP export to import."""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ErpSource

LINE = re.compile(r"^\s*(\d{4}-\d{1,2}-\d{1,2})\s+([\d,]+(?:\.\d{1,2})?)\s*$")


class AgreementForm(forms.Form):
    number = forms.CharField(label=_("Agreement number"), max_length=60)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    signed_on = forms.DateField(label=_("Signed on"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"}))
    instalments = forms.CharField(
        label=_("Instalments"),
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "2027-01-31 50000"}),
        help_text=_("One per line: due date and amount, e.g. 2027-01-31 50000."),
    )
    delivery_terms = forms.CharField(
        label=_("Delivery terms"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    attachment = forms.FileField(label=_("Attachment"), required=False)

    def clean_instalments(self):
        out = []
        for n, line in enumerate(self.cleaned_data["instalments"].splitlines(), start=1):
            if not line.strip():
                continue
            m = LINE.match(line)
            try:
                if not m:
                    raise ValueError
                out.append(
                    (
                        date.fromisoformat("-".join(p.zfill(2) for p in m[1].split("-"))),
                        Decimal(m[2].replace(",", "")),
                    )
                )
            except (ValueError, InvalidOperation) as exc:
                raise forms.ValidationError(
                    _("Line %(n)d: write a date and an amount, e.g. 2027-01-31 50000.") % {"n": n}
                ) from exc
        if not out:
            raise forms.ValidationError(_("Give at least one instalment."))
        return out


class ErpImportForm(forms.Form):
    source = forms.ChoiceField(label=_("Export"), choices=ErpSource.choices)
    file = forms.FileField(label=_("File (.xlsx or .csv)"))
