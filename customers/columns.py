"""The columns of the archive's workbooks: header, model field, how a cell is read, how it is written.

One list per kind serves both directions: the import reads a cell with `parse` (raising
ValueError with the message for the row's report), the export (customers.resources) writes it
with `render`. The headers are the file format shared with the sales assistants' spreadsheets,
so they are fixed Chinese text (not translated UI strings): a file exported in an English
session imports the same way. Read-only columns (grade, status, blacklist, …) are exported for
reading and ignored on import: they move only through their workflows.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from crm.xlsx import unneutralise

from .models import ContactPosition, CustomerStatus, CustomerTier, SourceChannel, StaffSize
from .validators import normalize_credit_code, normalize_mobile, normalize_text


def _shown(value) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Column:
    header: str
    attribute: str  # the model field; `a__b` follows a relation (export only)
    parse: Callable[[Any], Any] | None = None  # None: read-only, never imported
    render: Callable[[Any], Any] = _shown

    @property
    def readonly(self) -> bool:
        return self.parse is None


# --- reading a cell ---------------------------------------------------------------------------


def text(normalise=normalize_text):
    def parse(value):
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a phone typed as a number in Excel
        return normalise(unneutralise(str(value)))

    return parse


@cache
def _choices_by_text(choices_class) -> dict:
    """The label in Chinese or English, or the stored code, of each choice → its code."""
    by_text = {}
    for lang in ("en", "zh-hans"):
        with translation.override(lang):
            for value, label in choices_class.choices:
                by_text[str(label).casefold()] = value
    for value in choices_class.values:
        by_text[value.casefold()] = value
    return by_text


def choice(choices_class, default=""):
    """A choice by its Chinese label; the English label or the code is accepted too."""

    def parse(value):
        written = normalize_text(str(value)) if value is not None else ""
        if not written:
            return default
        try:
            return _choices_by_text(choices_class)[written.casefold()]
        except KeyError:
            with translation.override("zh-hans"):
                allowed = "、".join(str(label) for label in choices_class.labels)
            raise ValueError(
                _("“%(value)s” is not one of: %(allowed)s.") % {"value": written, "allowed": allowed}
            ) from None

    return parse


def choice_label(choices_class):
    def render(value):
        if not value:
            return ""
        with translation.override("zh-hans"):
            return str(choices_class(value).label)

    return render


YES = {"是", "y", "yes", "true", "1", "√", "✓"}
NO = {"否", "n", "no", "false", "0", ""}


def yes_no(value) -> bool:
    written = normalize_text(str(value)).casefold() if value is not None else ""
    if written in YES:
        return True
    if written in NO:
        return False
    raise ValueError(_("Write 是 or 否."))


def yes_no_label(value) -> str:
    return "是" if value else "否"


def number(*, integer=False, empty=Decimal(0)):
    """Decimal or integer; an empty cell is `empty`; negative numbers are refused."""

    def parse(value):
        if value is None or (isinstance(value, str) and not value.strip()):
            return empty
        try:
            amount = Decimal(normalize_text(str(value)).replace(",", ""))
        except (ArithmeticError, InvalidOperation):
            raise ValueError(_("Enter a number.")) from None
        if not amount.is_finite():
            raise ValueError(_("Enter a number."))
        if amount < 0:
            raise ValueError(_("The number must not be negative."))
        if integer:
            if amount != amount.to_integral_value():
                raise ValueError(_("Enter a whole number."))
            return int(amount)
        return amount

    return parse


def number_cell(*, integer=False):
    def render(value):
        if value is None:
            return None
        return int(value) if integer else float(value)

    return render


def a_date(value):
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    written = normalize_text(str(value)).replace("/", "-").replace(".", "-")
    try:
        return datetime.strptime(written, "%Y-%m-%d").date()  # noqa: DTZ007 (a calendar date)
    except ValueError:
        raise ValueError(_("Enter a date like 2026-03-31.")) from None


def date_cell(value) -> str:
    return value.isoformat() if value else ""


def username(user) -> str:
    return user.username if user else ""


def customer_name(customer) -> str:
    return customer.name if customer else ""


# --- the columns of each kind ------------------------------------------------------------------

OWNER = "负责业务员"
CUSTOMER_NAME = "客户名称"
CREDIT_CODE = "统一社会信用代码"

CUSTOMER_COLUMNS = (
    Column(CUSTOMER_NAME, "name", text()),
    Column("简称", "short_name", text()),
    Column(CREDIT_CODE, "credit_code", text(normalize_credit_code)),
    Column("行业", "industry", text()),
    Column("省份", "province", text()),
    Column("城市", "city", text()),
    Column("地址", "address", text()),
    Column("电话", "phone", text()),
    Column("网址", "website", text()),
    Column("经营范围", "business_scope", text()),
    Column("注册资本(万元)", "registered_capital", number(empty=None), number_cell()),
    Column("人员规模", "staff_size", choice(StaffSize), choice_label(StaffSize)),
    Column(
        "客户来源",
        "source_channel",
        choice(SourceChannel, default=SourceChannel.OTHER),
        choice_label(SourceChannel),
    ),
    Column("合作开始日期", "cooperation_start", a_date, date_cell),
    # The login name of a salesperson the importer may assign (read by customers.imports.customer_rows).
    Column(OWNER, "owner", text(), username),
    Column("部门", "department__name"),
    Column("等级", "grade"),
    Column("客户层级", "tier", render=choice_label(CustomerTier)),
    Column("状态", "status", render=choice_label(CustomerStatus)),
    Column("黑名单", "is_blacklisted", render=yes_no_label),
)

# Rows of a customer the importer may see, named by its credit code if given, else its full name.
CUSTOMER_REF_COLUMNS = (
    Column(CUSTOMER_NAME, "customer", text(), customer_name),
    Column(CREDIT_CODE, "customer__credit_code", text(normalize_credit_code)),
)

CONTACT_COLUMNS = CUSTOMER_REF_COLUMNS + (
    Column("姓名", "name", text()),
    Column(
        "职务",
        "position",
        choice(ContactPosition, default=ContactPosition.OTHER),
        choice_label(ContactPosition),
    ),
    Column("手机", "mobile", text(normalize_mobile)),
    Column("邮箱", "email", text()),
    Column("微信", "wechat", text()),
    Column("生日", "birthday", a_date, date_cell),
    Column("性格及爱好", "preferences", text()),
    Column("主要联系人", "is_primary", yes_no, yes_no_label),
)

FIGURE_COLUMNS = CUSTOMER_REF_COLUMNS + (
    Column("年度", "year", number(integer=True, empty=None), number_cell(integer=True)),
    Column("业务量(元)", "business_volume", number(), number_cell()),
    Column("应收款(元)", "receivables", number(), number_cell()),
    Column("逾期付款次数", "overdue_payment_count", number(integer=True, empty=0), number_cell(integer=True)),
    Column(
        "逾期未提货次数", "overdue_pickup_count", number(integer=True, empty=0), number_cell(integer=True)
    ),
)

COLUMNS = {"customers": CUSTOMER_COLUMNS, "contacts": CONTACT_COLUMNS, "figures": FIGURE_COLUMNS}
REQUIRED = {
    "customers": (CUSTOMER_NAME,),
    "contacts": (CUSTOMER_NAME, "姓名"),
    "figures": (CUSTOMER_NAME, "年度"),
}


def parse_row(row: dict, columns, *, skip=()) -> tuple[dict, dict]:
    """The importable cells of a row (by header) read into {attribute: value}, and the cells that
    could not be read as {header: [message]}. Columns absent from the file are left out."""
    values, errors = {}, {}
    for column in columns:
        if column.readonly or column.header not in row or column.attribute in skip:
            continue
        try:
            values[column.attribute] = column.parse(row[column.header])
        except ValueError as exc:
            errors[column.header] = [str(exc)]
    return values, errors
