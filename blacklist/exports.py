"""The 黑名单报表 as an Excel workbook, safe against spreadsheet formula injection."""

from datetime import date
from decimal import Decimal
from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

# A cell starting with one of these is read as a formula by Excel/WPS (CSV/DDE injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def cell_safe(value):
    """Text that a spreadsheet would evaluate is neutralised with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def wan_yuan(amount) -> Decimal:
    """元 → 万元, two decimals (the regulations speak in 万元)."""
    return (Decimal(amount or 0) / Decimal(10000)).quantize(Decimal("0.01"))


def report_columns() -> list[str]:
    return [
        _("Department"), _("Customer"), _("Credit code"), _("Reason"), _("Loss (10k yuan)"), _("Reported on"),
        _("Approved on"), _("Valid until"), _("Days remaining"), _("State"),
    ]


def report_row(entry, today: date) -> list:
    return [
        str(entry.department), entry.customer.name, entry.customer.credit_code,
        f"{entry.get_reason_category_display()}: {entry.reason}", wan_yuan(entry.loss_amount),
        entry.created_at.date() if entry.created_at else None,
        entry.starts_on, entry.ends_on, entry.days_remaining(today), entry.get_state_display(),
    ]


def report_workbook(entries, totals: list[dict], *, today: date) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("Blacklist")[:31]
    ws.append([cell_safe(c) for c in report_columns()])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for entry in entries:
        ws.append([cell_safe(v) for v in report_row(entry, today)])
    for row in ws.iter_rows(min_row=2, min_col=6, max_col=8):
        for cell in row:
            cell.number_format = "yyyy-mm-dd"
    for col, width in zip("ABCDEFGHIJ", (14, 30, 22, 40, 12, 12, 12, 12, 10, 10), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"

    summary = wb.create_sheet(_("Totals by department")[:31])
    summary.append([_("Department"), _("Entries"), _("In force"), _("Awaiting verification"), _("Loss (10k yuan)")])
    for cell in summary[1]:
        cell.font = Font(bold=True)
    for t in totals:
        summary.append([
            cell_safe(t["department__name"]), t["entries"], t["active"], t["pending"], wan_yuan(t["loss"]),
        ])
    summary.column_dimensions["A"].width = 18
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
