"""The monthly statement (对账单) as an xlsx workbook; text cells are formula-safe."""

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from crm.dashboards.export import cell_safe


def statement_xlsx(st: dict) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("Statement")[:31]
    c = st["customer"]
    ws.append([cell_safe(_("Statement of account")), cell_safe(c.name)])
    ws["A1"].font = Font(bold=True)
    ws.append([cell_safe(_("Credit code")), cell_safe(c.credit_code)])
    ws.append([cell_safe(_("Period")), f"{st['start']:%Y-%m-%d} ~ {st['end']:%Y-%m-%d}"])
    ws.append([])
    ws.append(
        [
            _("Date"),
            _("Document"),
            _("Type"),
            _("Due on"),
            _("Debit (yuan)"),
            _("Credit (yuan)"),
            _("Balance (yuan)"),
        ]
    )
    ws.append([None, None, _("Opening balance"), None, None, None, cell_safe(st["opening"])])
    kinds = {"receivable": _("Receivable"), "payment": _("Payment")}
    for line in st["lines"]:
        ws.append(
            [
                line["date"],
                cell_safe(line["number"]),
                kinds[line["kind"]],
                line["due_on"],
                cell_safe(line["debit"]),
                cell_safe(line["credit"]),
                cell_safe(line["balance"]),
            ]
        )
    ws.append(
        [
            None,
            None,
            _("Closing balance"),
            None,
            cell_safe(st["debits"]),
            cell_safe(st["credits"]),
            cell_safe(st["closing"]),
        ]
    )
    for col, width in zip("ABCDEFG", (12, 22, 14, 12, 16, 16, 16), strict=True):
        ws.column_dimensions[col].width = width
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
