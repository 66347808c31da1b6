"""Browser tests of the archive: a salesperson on a phone, an assistant importing a workbook."""

import io

from openpyxl import Workbook

from crm.models import Role
from customers.models import Contact, Customer
from tests.factories import CustomerFactory, UserFactory, make_credit_code


def test_salesperson_on_a_phone_finds_a_customer_and_adds_a_contact(
    phone_page, live_server, login, screenshot, east
):
    sales = UserFactory(username="sales_e2e", full_name="张伟", role=Role.SALESPERSON, department=east)
    target = CustomerFactory(name="上海恒力机械有限公司", short_name="恒力机械", owner=sales)
    CustomerFactory(name="苏州华美电子有限公司", owner=sales)
    page = login(phone_page, sales)

    page.goto(f"{live_server.url}/customers/")
    page.fill("input[name=q]", "恒力")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "q=" in url)
    cards = page.locator("[data-testid=customer-cards] a")
    assert cards.count() == 1
    screenshot(page, "customers-phone-search")
    cards.first.click()
    page.wait_for_url(f"**/customers/{target.pk}/")

    page.click("[data-testid=contact-add]")
    page.fill("#id_name", "王强")
    page.select_option("#id_position", "purchasing_manager")
    page.fill("#id_mobile", "138 0013 8000")
    page.click("[data-testid=form-submit]")
    page.wait_for_url(f"**/customers/{target.pk}/#contacts")
    assert "王强" in page.locator("[data-testid=contacts]").inner_text()
    screenshot(page, "customers-phone-contact-added")
    contact = Contact.objects.get(customer=target)
    assert contact.mobile == "13800138000" and contact.is_primary


def workbook(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["客户名称", "统一社会信用代码", "省份", "客户来源", "负责业务员"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_assistant_import_with_one_bad_row_is_rejected(page, live_server, login, screenshot, east, tmp_path):
    assistant = UserFactory(username="assistant_e2e", role=Role.ASSISTANT, department=east)
    UserFactory(username="sales_e2e", role=Role.SALESPERSON, department=east)
    path = tmp_path / "客户导入.xlsx"
    path.write_bytes(
        workbook(
            [
                ["杭州新锐电子有限公司", make_credit_code(901), "浙江省", "展会", "sales_e2e"],
                [
                    "南京华瑞化工有限公司",
                    "91350100M000100Y44",
                    "江苏省",
                    "展会",
                    "sales_e2e",
                ],  # wrong check character
                ["无锡远东机械有限公司", make_credit_code(903), "江苏省", "网络平台", "sales_e2e"],
            ]
        )
    )
    login(page, assistant)
    page.goto(f"{live_server.url}/customers/import/")
    page.select_option("#id_kind", "customers")
    page.set_input_files("#id_file", str(path))
    page.click("[data-testid=import-preview]")
    page.wait_for_selector("[data-testid=import-rejected]")
    errors = page.locator("[data-testid=import-errors]").inner_text()
    assert "第 3 行" in errors and "统一社会信用代码" in errors
    assert page.locator("[data-testid=import-confirm]").count() == 0
    screenshot(page, "customers-import-rejected")
    assert not Customer.objects.exists()


def test_assistant_on_a_phone_sees_each_change_then_imports(
    phone_page, live_server, login, screenshot, east, tmp_path
):
    """Field test 16: the preview lists the new rows and each change old → new before the confirm."""
    assistant = UserFactory(username="assistant_e2e", role=Role.ASSISTANT, department=east)
    sales = UserFactory(username="sales_e2e", role=Role.SALESPERSON, department=east)
    existing = CustomerFactory(
        name="宁波恒力精密机械有限公司", credit_code=make_credit_code(960), owner=sales, province="江苏省"
    )
    path = tmp_path / "客户导入.xlsx"
    path.write_bytes(
        workbook(
            [
                [existing.name, existing.credit_code, "浙江省", "其他", "sales_e2e"],
                ["绍兴新越纺织有限公司", make_credit_code(961), "浙江省", "展会", "sales_e2e"],
            ]
        )
    )
    page = login(phone_page, assistant)
    page.goto(f"{live_server.url}/customers/import/")
    page.select_option("#id_kind", "customers")
    page.set_input_files("#id_file", str(path))
    page.click("[data-testid=import-preview]")
    page.wait_for_selector("[data-testid=import-ready]")
    update = page.locator("[data-testid=import-change-update]").inner_text()
    assert existing.name in update and "江苏省" in update and "浙江省" in update
    assert "绍兴新越纺织有限公司" in page.locator("[data-testid=import-change-new]").inner_text()
    screenshot(page, "customers-import-preview-phone")
    assert Customer.objects.count() == 1
    page.click("[data-testid=import-confirm]")
    page.wait_for_url("**/customers/")
    assert Customer.objects.count() == 2
    assert Customer.objects.get(pk=existing.pk).province == "浙江省"
