import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from .kinds import DIGEST, DIGEST_KIND, IMMEDIATE, KINDS
from .preferences import Choice

DIGEST_TIMES = [(datetime.time(h, m), f"{h:02d}:{m:02d}") for h in range(6, 22) for m in (0, 15, 30, 45)]


class NotificationSettingsForm(forms.Form):
    """One row per registered kind: immediate or digest, and the channels (in-app is always on)."""

    digest_time = forms.TypedChoiceField(
        label=_("Daily digest at"),
        choices=[(t.isoformat("minutes"), label) for t, label in DIGEST_TIMES],
        coerce=lambda v: datetime.time.fromisoformat(v),
    )

    def __init__(self, *args, rows: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for row in rows:
            code, c = row["kind"].code, row["choice"]
            if code != DIGEST_KIND:
                self.fields[f"{code}__delivery"] = forms.ChoiceField(
                    label=row["kind"].label,
                    initial=c.delivery,
                    choices=[(IMMEDIATE, _("Immediately")), (DIGEST, _("In the daily digest"))],
                )
            for channel in ("email", "wecom", "dingtalk"):
                self.fields[f"{code}__{channel}"] = forms.BooleanField(
                    required=False, initial=getattr(c, channel)
                )
            self.rows.append({**row, "prefix": code})

    def bound_rows(self):
        for row in self.rows:
            code = row["prefix"]
            yield {
                **row,
                "delivery": self[f"{code}__delivery"] if f"{code}__delivery" in self.fields else None,
                "email": self[f"{code}__email"],
                "wecom": self[f"{code}__wecom"],
                "dingtalk": self[f"{code}__dingtalk"],
            }

    def choices(self) -> dict[str, Choice]:
        d = self.cleaned_data
        return {
            code: Choice(
                delivery=d.get(f"{code}__delivery", IMMEDIATE),
                email=d[f"{code}__email"],
                wecom=d[f"{code}__wecom"],
                dingtalk=d[f"{code}__dingtalk"],
            )
            for code in KINDS
        }
