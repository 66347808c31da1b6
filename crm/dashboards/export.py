"""The numbers of a dashboard chart as an xlsx workbook (openpyxl).

Labels are names typed by people (customers, departments, salespeople): a text cell that a
spreadsheet would run as a formula gets an apostrophe (formula injection, OWASP).
"""

from io import BytesIO

from openpyxl import Workbook

from crm.xlsx import cell_safe, sheet_write

from .registry import ChartData

__all__ = ["cell_safe", "chart_xlsx"]


def chart_xlsx(title: str, data: ChartData) -> bytes:
    """One sheet named after the chart: the header row, a row per label, the chart's note last."""
    header = [data.label_title, *(name for name, _values in data.columns)]
    rows = [[label, *(values[i] for _name, values in data.columns)] for i, label in enumerate(data.labels)]
    if data.note:
        rows += [[], [data.note]]
    wb = Workbook(write_only=True)
    sheet_write(wb, title="data", header=header, rows=rows, caption=title)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
