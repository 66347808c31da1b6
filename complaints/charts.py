"""Chart.js configurations of the measures page, built from complaint_measures().

The page passes each configuration with json_script; static/js/charts.js draws every
<canvas data-chart="ID"> from the JSON in the element with that id (no inline script: CSP).
"""

from django.utils.translation import gettext as _

from .models import ComplaintType

PALETTE = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#dc3545", "#20c997", "#6c757d", "#0dcaf0"]


def _month_labels():
    return [_("Month %(m)d") % {"m": m} for m in range(1, 13)]


def _per_department(rows, key):
    series: dict[str, list] = {}
    for r in rows:
        values = series.setdefault(r["customer__department__name"], [None] * 12)
        values[r["month_number"] - 1] = r[key]
    return series


def _line(title, series, *, y_max=None):
    datasets = [
        {
            "label": name,
            "data": values,
            "borderColor": PALETTE[i % len(PALETTE)],
            "backgroundColor": PALETTE[i % len(PALETTE)],
            "spanGaps": True,
            "tension": 0.2,
        }
        for i, (name, values) in enumerate(series.items())
    ]
    scale = {"beginAtZero": True}
    if y_max:
        scale["max"] = y_max
    return {
        "type": "line",
        "data": {"labels": _month_labels(), "datasets": datasets},
        "options": {"plugins": {"title": {"display": True, "text": title}}, "scales": {"y": scale}},
    }


def measures_charts(measures: dict) -> dict:
    rows = measures["rows"]
    by_type: dict[str, list] = {}
    for r in measures["by_type"]:
        values = by_type.setdefault(r["complaint_type"], [0] * 12)
        values[r["month_number"] - 1] = r["n"]
    type_datasets = [
        {
            "label": str(label),
            "data": by_type.get(value, [0] * 12),
            "backgroundColor": PALETTE[i % len(PALETTE)],
        }
        for i, (value, label) in enumerate(ComplaintType.choices)
    ]
    return {
        "chart-on-time": _line(_("Handled on time (%)"), _per_department(rows, "on_time_rate"), y_max=100),
        "chart-resolution": _line(
            _("Resolution rate (%)"), _per_department(rows, "resolution_rate"), y_max=100
        ),
        "chart-satisfaction": _line(
            _("Average satisfaction (1-5)"), _per_department(rows, "satisfaction"), y_max=5
        ),
        "chart-types": {
            "type": "bar",
            "data": {"labels": _month_labels(), "datasets": type_datasets},
            "options": {
                "plugins": {"title": {"display": True, "text": _("Complaints by type")}},
                "scales": {"x": {"stacked": True}, "y": {"stacked": True, "beginAtZero": True}},
            },
        },
    }
