"""Reading an uploaded workbook: streamed, bounded, and safe against hostile XML."""

import logging
import zipfile
from io import BytesIO

from defusedxml.ElementTree import iterparse as defused_iterparse
from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from ..services import CustomerError

logger = logging.getLogger(__name__)


# Excel's own limit; a sheet claiming rows beyond it was not written by Excel.
EXCEL_MAX_ROWS = 1_048_576


_ROW_TAG = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}row"


def _ensure_sheets_within_limit(content: bytes) -> None:
    """Count the data rows of every sheet in one streaming pass; stop at the first over the limit.

    openpyxl, even read-only, parses a whole sheet that lacks a <dimension> element before
    giving the first row (a million rows: ten seconds). This pass reads no further than
    IMPORT_MAX_ROWS rows, with defusedxml refusing entity declarations (billion laughs, XXE).
    """
    limit = settings.IMPORT_MAX_ROWS + 1  # and the header row
    with zipfile.ZipFile(BytesIO(content)) as zf:
        for name in zf.namelist():
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            seen = 0
            with zf.open(name) as fh:
                for _event, element in defused_iterparse(fh, events=("end",)):
                    if element.tag != _ROW_TAG:
                        continue
                    if "".join(element.itertext()).strip():
                        seen += 1
                        if seen > limit:
                            raise CustomerError(
                                _(
                                    "The file has more than %(max)d rows; at most %(max)d may be imported at once."
                                )
                                % {"max": settings.IMPORT_MAX_ROWS}
                            )
                    element.clear()


def _read_rows(content: bytes) -> tuple[list, list]:
    """The first sheet's header row and its non-blank data rows, streamed.

    openpyxl reads in read-only mode (XML parsed by defusedxml: no entity tricks) and reading
    stops at the first data row over IMPORT_MAX_ROWS, so a file of a million rows is refused
    within a second or two, before anything is held in memory. A sheet whose rows run past
    Excel's last row (a forged row number to make a reader fill a gap) is refused too.
    """
    limit = settings.IMPORT_MAX_ROWS
    damaged = _("The file is damaged or is not an Excel workbook (.xlsx).")
    try:
        _ensure_sheets_within_limit(content)
        book = load_workbook(BytesIO(content), read_only=True, data_only=True)
    except CustomerError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        logger.info("unreadable workbook: %s", exc)
        raise CustomerError(damaged) from exc
    headers, rows = None, []
    try:
        for number, row in enumerate(book.active.iter_rows(values_only=True), start=1):
            if number > EXCEL_MAX_ROWS:
                raise CustomerError(damaged)
            if headers is None:
                headers = list(row)
            elif any(v not in (None, "") for v in row):
                rows.append(row)
                if len(rows) > limit:
                    raise CustomerError(
                        _("The file has more than %(max)d rows; at most %(max)d may be imported at once.")
                        % {"max": limit}
                    )
    except CustomerError:
        raise
    except Exception as exc:
        logger.info("unreadable worksheet: %s", exc)
        raise CustomerError(damaged) from exc
    finally:
        book.close()
    return headers or [], rows


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
