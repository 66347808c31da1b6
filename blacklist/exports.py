"""The 黑名单报表 as an Excel workbook, safe against spreadsheet formula injection."""

from datetime import date
from decimal import Decimal
from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook

from crm.xlsx import cell_safe, sheet_write

__all__ = ["cell_safe", "report_workbook"]


def wan_yuan(amount) -> Decimal:
    """元 → 万元, two decimals (the regulations speak in 万元)."""
    return (Decimal(amount or 0) / Decimal(10000)).quantize(Decimal("0.01"))


def report_columns() -> list[str]:
    return [
        _("Department"),
        _("Customer"),
        _("Credit code"),
        _("Reason"),
        _("Loss (10k yuan)"),
        _("Reported on"),
        _("Approved on"),
        _("Valid until"),
        _("Days remaining"),
        _("State"),
    ]


def report_row(entry, today: date) -> list:
    return [
        str(entry.department),
        entry.customer.name,
        entry.customer.credit_code,
        f"{entry.get_reason_category_display()}: {entry.reason}",
        wan_yuan(entry.loss_amount),
        entry.created_at.date() if entry.created_at else None,
        entry.starts_on,
        entry.ends_on,
        entry.days_remaining(today),
        entry.get_state_display(),
    ]


def report_workbook(entries, totals: list[dict], *, today: date) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    ws = sheet_write(
        wb,
        title=_("Blacklist"),
        header=report_columns(),
        rows=(report_row(entry, today) for entry in entries),
    )
    for row in ws.iter_rows(min_row=2, min_col=6, max_col=8):
        for cell in row:
            cell.number_format = "yyyy-mm-dd"
    sheet_write(
        wb,
        title=_("Totals by department"),
        header=[
            _("Department"),
            _("Entries"),
            _("In force"),
            _("Awaiting verification"),
            _("Loss (10k yuan)"),
        ],
        rows=(
            [t["department__name"], t["entries"], t["active"], t["pending"], wan_yuan(t["loss"])]
            for t in totals
        ),
    )
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
