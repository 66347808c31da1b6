"""The numbers of a dashboard chart as an xlsx workbook (openpyxl).

Labels are names typed by people (customers, departments, salespeople): a text cell that a
spreadsheet would run as a formula gets an apostrophe (formula injection, OWASP).
"""

from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from .registry import ChartData

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


def cell_safe(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, Decimal):
        return float(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def chart_xlsx(title: str, data: ChartData) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "data"
    ws.append([cell_safe(title)])
    header = [data.label_title, *(name for name, _values in data.columns)]
    ws.append([cell_safe(h) for h in header])
    for i, label in enumerate(data.labels):
        ws.append([cell_safe(label), *(cell_safe(values[i]) for _name, values in data.columns)])
    if data.note:
        ws.append([])
        ws.append([cell_safe(data.note)])
    for col in range(1, len(header) + 1):
        ws.column_dimensions[get_column_letter(col)].width = 18 if col > 1 else 28
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
