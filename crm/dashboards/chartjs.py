"""Chart.js configurations built from ChartData.

The page passes each configuration with json_script and static/js/charts.js draws every
<canvas data-chart="ID"> from it (CSP: no inline script). Everything a chart needs is in
the JSON: no callbacks.
"""

from .registry import ChartData

PALETTE = [
    "#0d6efd",
    "#198754",
    "#fd7e14",
    "#6f42c1",
    "#dc3545",
    "#20c997",
    "#6c757d",
    "#0dcaf0",
    "#d63384",
    "#ffc107",
    "#6610f2",
    "#adb5bd",
]
GRADE_COLOURS = {"A": "#198754", "B": "#0d6efd", "C": "#fd7e14", "D": "#6c757d"}
UNGRADED_COLOUR = "#ced4da"


def _colour(name: str, index: int, *, last: bool = False) -> str:
    if str(name) in GRADE_COLOURS:
        return GRADE_COLOURS[str(name)]
    # The "not graded" bucket comes last after the four grades: a neutral grey.
    return UNGRADED_COLOUR if last and index == 4 else PALETTE[index % len(PALETTE)]


def chart_config(data: ChartData) -> dict:
    labels = [str(label) for label in data.labels]
    if data.kind == "doughnut":
        name, values = data.series[0]
        datasets = [
            {
                "label": str(name),
                "data": values,
                "backgroundColor": [
                    _colour(label, i, last=i == len(labels) - 1) for i, label in enumerate(labels)
                ],
            }
        ]
    else:
        datasets = []
        for i, (name, values) in enumerate(data.series):
            colour = _colour(name, i, last=i == len(data.series) - 1)
            ds = {"label": str(name), "data": values, "backgroundColor": colour, "borderColor": colour}
            if data.kind == "line":
                ds.update({"tension": 0, "spanGaps": True, "fill": False})
            else:
                ds["maxBarThickness"] = 48
            datasets.append(ds)
    options = {
        "responsive": True,
        # The container's CSS sets the height: a chart stays readable on a 390 px phone.
        "maintainAspectRatio": False,
        "plugins": {"legend": {"position": "bottom", "labels": {"boxWidth": 12}}},
    }
    if data.kind != "doughnut":
        value_axis = {"beginAtZero": True, "stacked": data.stacked}
        if data.y_max is not None:
            value_axis["max"] = data.y_max
        if not data.unit:
            value_axis["ticks"] = {"precision": 0}
        label_axis = {"stacked": data.stacked, "ticks": {"autoSkip": True, "maxRotation": 45}}
        if data.horizontal:
            options["indexAxis"] = "y"
            options["scales"] = {"x": value_axis, "y": label_axis}
        else:
            options["scales"] = {"x": label_axis, "y": value_axis}
    return {"type": data.kind, "data": {"labels": labels, "datasets": datasets}, "options": options}
