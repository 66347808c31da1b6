"""Every xlsx the CRM hands out (exports, reports, charts, templates) is written here.

One look for all of them: a bold header row that stays in view (frozen), column widths that fit
the text (a Chinese character counts as two), and formula-safe cells: text that a spreadsheet
would run as a formula gets an apostrophe (CSV/DDE injection, OWASP). The download's file name
is the reader's-language name of the content plus the date, sent as RFC 5987/6266 so Chinese
names survive every browser (`django.utils.http.content_disposition_header`).
"""

import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")
# Widths are measured over the header and the first rows: enough for a fit, cheap for 100,000 rows.
WIDTH_SAMPLE_ROWS = 200
MIN_WIDTH, MAX_WIDTH = 6, 60


def cell_safe(value):
    """A value as a spreadsheet cell: numbers stay numbers, text that would run as a formula is neutralised."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | date | datetime):
        return value
    if isinstance(value, Decimal):
        return float(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def unneutralise(value):
    """Undo `cell_safe` on import, so that re-importing an export changes nothing."""
    if (
        isinstance(value, str)
        and len(value) > 1
        and value[0] == "'"
        and value[1:].startswith(FORMULA_PREFIXES)
    ):
        return value[1:]
    return value


def display_width(value) -> int:
    """Columns a value needs: East Asian wide characters take two."""
    if value is None:
        return 0
    text = value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else str(value)
    longest = max(text.split("\n"), key=len) if text else ""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in longest)


def sheet_write(wb: Workbook, *, title: str, header: Sequence, rows: Iterable[Sequence], caption: str = ""):
    """Add a sheet: bold frozen header, fitted widths, formula-safe cells (write-only workbooks too).

    A `caption` (e.g. a chart's title) goes in a bold row above the header; both stay in view.
    """
    ws = wb.create_sheet(title=str(title)[:31])
    header = [cell_safe(str(h)) for h in header]
    rows = iter(rows)
    sample: list[list] = []
    for row in rows:
        sample.append([cell_safe(v) for v in row])
        if len(sample) >= WIDTH_SAMPLE_ROWS:
            break
    for col, name in enumerate(header, start=1):
        width = max([display_width(name)] + [display_width(r[col - 1]) for r in sample if col <= len(r)])
        ws.column_dimensions[get_column_letter(col)].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
    ws.freeze_panes = "A3" if caption else "A2"
    for fixed in ([cell_safe(str(caption))] if caption else [], header):
        if not fixed:
            continue
        ws.append([_bold(ws, value) for value in fixed] if wb.write_only else fixed)
        if not wb.write_only:
            for cell in ws[ws.max_row]:
                cell.font = BOLD
    for row in sample:
        ws.append(row)
    for row in rows:
        ws.append([cell_safe(v) for v in row])
    return ws


BOLD = Font(bold=True)


def _bold(ws, value):
    cell = WriteOnlyCell(ws, value=value)
    cell.font = BOLD
    return cell


def workbook(*sheets: tuple[str, Sequence, Iterable[Sequence]], write_only: bool = True) -> bytes:
    """An xlsx of (title, header, rows) sheets, as bytes."""
    wb = Workbook(write_only=write_only)
    if not write_only:
        wb.remove(wb.active)
    for title, header, rows in sheets:
        sheet_write(wb, title=title, header=header, rows=rows)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def xlsx_response(
    content: bytes, *, name: str, now: datetime | None = None, stamp: str = "%Y%m%d"
) -> HttpResponse:
    """A download of `content` named '<name>-<date>.xlsx' (Chinese names kept, RFC 5987)."""
    local = timezone.localtime(now or timezone.now())
    response = HttpResponse(content, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, f"{name}-{local.strftime(stamp)}.xlsx")
    response["Cache-Control"] = "private, no-store"
    return response
