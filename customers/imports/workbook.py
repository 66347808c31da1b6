"""Reading an uploaded workbook: streamed, bounded, and safe against hostile XML."""

import logging
from contextlib import closing
from io import BytesIO

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.worksheet._reader import WorkSheetParser

from ..services import CustomerError

logger = logging.getLogger(__name__)


# Excel's own limit; a sheet claiming rows beyond it was not written by Excel.
EXCEL_MAX_ROWS = 1_048_576


def _sheet_rows(content: bytes):
    """The active sheet's rows as (row number, values by column from A), in one streaming pass.

    openpyxl's reader up to the sheets (shared strings, workbook, styles for the date formats),
    then its sheet parser over the sheet's XML, parsed by defusedxml (no entity tricks). Not
    `load_workbook(read_only=True)`: its worksheet parses every sheet lacking a <dimension>
    element whole before giving the first row (a second pass over the XML; a million rows: ten
    seconds), and reading here stops at the row limit (`_read_rows`). `WorkSheetParser` is
    openpyxl's internal (what its read-only sheet uses): openpyxl is pinned in pyproject.toml.
    """
    reader = ExcelReader(BytesIO(content), read_only=True, data_only=True)
    try:
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        # The sheets as load_workbook lists them: the active one is an index into these.
        sheets = [rel for _sheet, rel in reader.parser.find_sheets() if rel.target in reader.valid_files]
        rel = sheets[reader.wb._active_sheet_index]
        if "chartsheet" in rel.Type:
            raise ValueError("the active sheet is a chart")
        book = reader.wb
        with reader.archive.open(rel.target) as source:
            parser = WorkSheetParser(
                source,
                reader.shared_strings,
                data_only=True,
                epoch=book.epoch,
                date_formats=book._date_formats,
                timedelta_formats=book._timedelta_formats,
            )
            for number, cells in parser.parse():
                values = [None] * (max((c["column"] for c in cells), default=0))
                for c in cells:
                    values[c["column"] - 1] = c["value"]
                yield number, values
    finally:
        reader.archive.close()


def _read_rows(content: bytes) -> tuple[list, list]:
    """The active sheet's header row (row 1) and its non-blank data rows, streamed.

    Reading stops at the first data row over IMPORT_MAX_ROWS, so a file of a million rows is
    refused within a second or two, before anything is held in memory. A sheet whose rows run
    past Excel's last row (a forged row number) is refused too; the rows between are never made.
    """
    limit = settings.IMPORT_MAX_ROWS
    damaged = _("The file is damaged or is not an Excel workbook (.xlsx).")
    headers, rows = [], []
    try:
        with closing(_sheet_rows(content)) as stream:
            for number, values in stream:
                if number > EXCEL_MAX_ROWS:
                    raise CustomerError(damaged)
                if number == 1:
                    headers = values
                elif any(v not in (None, "") for v in values):
                    rows.append(values)
                    if len(rows) > limit:
                        raise CustomerError(
                            _("The file has more than %(max)d rows; at most %(max)d may be imported at once.")
                            % {"max": limit}
                        )
    except CustomerError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        logger.info("unreadable workbook: %s", exc)
        raise CustomerError(damaged) from exc
    return headers, rows


def read_table(content: bytes, required_columns) -> tuple[list[str], list[dict]]:
    """The first sheet as its headers and its rows, each a {header: cell} (cut to the header's
    width: cells left of the data are ignored). Raises CustomerError on a missing column or no rows."""
    raw_headers, rows = _read_rows(content)
    headers = [str(h).strip() if h is not None else "" for h in raw_headers]
    missing = [c for c in required_columns if c not in headers]
    if missing:
        raise CustomerError(
            _("The first row must hold the column headers; missing: %(cols)s.") % {"cols": "、".join(missing)}
        )
    if not rows:
        raise CustomerError(_("The file has no data rows."))
    named = [(i, h) for i, h in enumerate(headers) if h]
    table = []
    rows.reverse()
    while rows:  # each row as read is let go as soon as it is turned into a dict (peak memory)
        r = rows.pop()
        table.append({h: (r[i] if i < len(r) else None) for i, h in named})
    return headers, table
