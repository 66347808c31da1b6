"""Every download of the CRM is one kind of workbook: bold frozen header, fitted widths, Chinese names."""

from io import BytesIO
from urllib.parse import unquote

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from crm.xlsx import cell_safe, display_width, workbook, xlsx_response


def test_header_is_bold_frozen_and_columns_fit_chinese_text():
    content = workbook(("客户", ["名称", "Code"], [["上海恒力精密机械有限公司", "=1+1"], ["短", "x"]]))
    ws = load_workbook(BytesIO(content)).active
    assert ws.freeze_panes == "A2"
    assert ws["A1"].font.b and ws["B1"].font.b
    assert ws["B2"].value == "'=1+1"
    # 12 wide characters need 24 columns (+2 padding); a Latin header fits its text.
    assert ws.column_dimensions["A"].width == display_width("上海恒力精密机械有限公司") + 2 == 26
    assert 6 <= ws.column_dimensions["B"].width <= 10


def test_formula_safety_keeps_numbers_and_dates():
    import datetime as dt

    assert cell_safe(3) == 3 and cell_safe("-2") == "'-2" and cell_safe("%x") == "'%x"
    assert cell_safe(dt.date(2026, 1, 2)) == dt.date(2026, 1, 2)


def test_file_name_is_chinese_and_rfc5987():
    response = xlsx_response(b"x", name="黑名单报表")
    header = response["Content-Disposition"]
    assert header.startswith("attachment; filename*=utf-8''")
    assert unquote(header.split("''", 1)[1]).startswith("黑名单报表-") and header.endswith(".xlsx")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "persona", "expected"),
    [
        ("complaints:export", "manager", "客户投诉"),
        ("blacklist:report_export", "manager", "黑名单报表"),
        ("visits:export", "manager", "拜访"),
        ("customers:export", "assistant", "客户"),
    ],
)
def test_every_export_is_named_in_chinese_with_a_bold_frozen_header(client, request, url, persona, expected):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    with translation.override("zh-hans"):
        response = client.get(reverse(url), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    name = unquote(response["Content-Disposition"].split("''", 1)[1])
    assert name.startswith(expected), name
    ws = load_workbook(BytesIO(response.content)).active
    assert ws.freeze_panes in ("A2", "A3") and ws["A1"].font.b
