"""Excel import and export: preview with named rows and columns, all-or-nothing, idempotent, safe export."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from customers import imports
from customers.models import AccessLog, BusinessProfile, Contact, Customer, ImportBatch, YearlyFigure
from customers.services import CustomerError
from tests.factories import ContactFactory, CustomerFactory, make_credit_code

HEADERS = ["客户名称", "统一社会信用代码", "省份", "客户来源", "负责业务员", "等级", "状态"]


def xlsx(rows, headers=HEADERS, name="客户.xlsx"):
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def good_rows(owner="sales1"):
    return [
        ["杭州新锐电子有限公司", make_credit_code(901), "浙江省", "展会", owner, "A", "正式"],
        ["南京华瑞化工有限公司", make_credit_code(902), "江苏省", "网络平台", owner, "", ""],
    ]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }


def stage_and_commit(user, kind, upload):
    staged = imports.import_stage(actor=user, kind=kind, file=upload)
    assert staged.report.ok, staged.report.bad_rows
    return imports.import_commit(actor=user, job_id=staged.job.pk)


@pytest.mark.django_db
class TestCustomerImport:
    def test_preview_writes_nothing_then_confirm_imports(self, assistant, salesperson):
        staged = imports.import_stage(actor=assistant, kind="customers", file=xlsx(good_rows()))
        assert staged.report.ok and staged.report.new == 2
        assert not Customer.objects.exists()
        batch = imports.import_commit(actor=assistant, job_id=staged.job.pk)
        assert batch.created == 2 and ImportBatch.objects.count() == 1
        created = Customer.objects.get(credit_code=make_credit_code(901))
        # Grade and status columns are ignored: workflow state never comes from a file.
        assert created.owner == salesperson and created.grade == "" and created.status == "prospect"
        assert created.source_channel == "trade_fair" and created.department == salesperson.department

    def test_one_bad_row_names_row_and_column_and_nothing_is_written(self, assistant, salesperson):
        rows = good_rows() + [
            ["苏州坏数据有限公司", "91350100M000100Y44", "江苏省", "展会", "sales1", "", ""]
        ]
        staged = imports.import_stage(actor=assistant, kind="customers", file=xlsx(rows))
        assert not staged.report.ok
        [bad] = staged.report.bad_rows
        assert bad.number == 4  # the header is row 1
        assert bad.errors[0][0] == "统一社会信用代码" and "校验" in bad.errors[0][1]
        assert not Customer.objects.exists()

    def test_owner_outside_department_is_refused(self, assistant, south_salesperson):
        staged = imports.import_stage(
            actor=assistant, kind="customers", file=xlsx(good_rows(owner="sales_s"))
        )
        assert {column for row in staged.report.bad_rows for column, _m in row.errors} == {"负责业务员"}
        assert not Customer.objects.exists()

    def test_blacklisted_customer_is_not_admitted(self, assistant, salesperson, south_salesperson):
        import datetime as dt

        # Of another department: the importer cannot see it, but the admission check does.
        CustomerFactory(
            name="杭州新锐电子有限公司",
            credit_code=make_credit_code(901),
            owner=south_salesperson,
            is_blacklisted=True,
            blacklisted_until=dt.date(2027, 1, 1),
        )
        rows = [["杭州新锐电子有限公司 ", "", "江苏省", "展会", "sales1", "", ""]]
        staged = imports.import_stage(actor=assistant, kind="customers", file=xlsx(rows))
        [bad] = staged.report.bad_rows
        assert bad.errors == [("（整行）", bad.errors[0][1])] and "黑名单" in bad.errors[0][1]
        assert Customer.objects.count() == 1

    def test_reimport_of_the_same_file_changes_nothing(self, assistant, salesperson):
        stage_and_commit(assistant, "customers", xlsx(good_rows()))
        before = list(Customer.objects.values_list("pk", "version", "updated_at"))
        batch = stage_and_commit(assistant, "customers", xlsx(good_rows()))
        assert batch.created == 0 and batch.updated == 0
        assert list(Customer.objects.values_list("pk", "version", "updated_at")) == before

    def test_export_then_reimport_changes_nothing(self, assistant, salesperson):
        stage_and_commit(assistant, "customers", xlsx(good_rows()))
        content = imports.export_xlsx(actor=assistant, kind="customers", customers=Customer.objects.all())
        batch = stage_and_commit(assistant, "customers", SimpleUploadedFile("export.xlsx", content))
        assert (batch.created, batch.updated) == (0, 0)

    def test_changed_row_updates_the_archive_with_history(self, assistant, salesperson):
        stage_and_commit(assistant, "customers", xlsx(good_rows()))
        rows = good_rows()
        rows[0][2] = "江苏省"
        staged = imports.import_stage(actor=assistant, kind="customers", file=xlsx(rows))
        assert (staged.report.new, staged.report.updated, staged.report.skipped) == (0, 1, 1)
        batch = imports.import_commit(actor=assistant, job_id=staged.job.pk)
        assert (batch.created, batch.updated) == (0, 1)
        changed = Customer.objects.get(credit_code=make_credit_code(901))
        assert changed.province == "江苏省" and changed.version == 2
        assert changed.name_normalized and changed.owner == salesperson
        assert [h.history_user for h in changed.history.all()] == [assistant, assistant]
        assert Customer.objects.get(credit_code=make_credit_code(902)).version == 1

    def test_duplicates_within_the_file_are_refused(self, assistant, salesperson):
        rows = good_rows() + [
            ["杭州新锐电子有限公司", make_credit_code(903), "浙江省", "展会", "sales1", "", ""],
            ["另一家公司", make_credit_code(902), "浙江省", "展会", "sales1", "", ""],
        ]
        staged = imports.import_stage(actor=assistant, kind="customers", file=xlsx(rows))
        assert [(r.number, [c for c, _m in r.errors]) for r in staged.report.bad_rows] == [
            (4, ["客户名称"]),
            (5, ["统一社会信用代码"]),
        ]

    def test_rows_cost_no_queries_of_their_own(self, assistant, salesperson, django_assert_max_num_queries):
        rows = [
            [f"宁波测试{k:03d}有限公司", make_credit_code(1000 + k), "浙江省", "展会", "sales1", "", ""]
            for k in range(60)
        ]
        with django_assert_max_num_queries(15):  # 60 rows; was 12 a row
            staged = imports.import_stage(actor=assistant, kind="customers", file=xlsx(rows))
        assert staged.report.ok and staged.report.new == 60
        with django_assert_max_num_queries(30):  # SQLite splits the INSERTs in small batches
            batch = imports.import_commit(actor=assistant, job_id=staged.job.pk)
        assert batch.created == 60
        assert Customer.history.filter(history_type="+").count() == 60
        assert BusinessProfile.objects.filter(customer__in=Customer.objects.all()).count() == 60

    def test_other_departments_customer_is_not_updated(self, assistant, south_salesperson):
        south = CustomerFactory(name="广州某公司", credit_code=make_credit_code(901), owner=south_salesperson)
        staged = imports.import_stage(actor=assistant, kind="customers", file=xlsx(good_rows()[:1]))
        assert not staged.report.ok
        south.refresh_from_db()
        assert south.name == "广州某公司"

    @pytest.mark.parametrize("content", [b"MZ\x90\x00 not a workbook", b"PK\x03\x04broken zip", b""])
    def test_wrong_or_corrupt_files_are_refused(self, assistant, content):
        with pytest.raises(CustomerError):
            imports.import_stage(
                actor=assistant, kind="customers", file=SimpleUploadedFile("a.xlsx", content)
            )

    def test_missing_columns_are_named(self, assistant):
        with pytest.raises(CustomerError, match="客户名称"):
            imports.import_stage(actor=assistant, kind="customers", file=xlsx([["x"]], headers=["名称"]))

    def test_too_many_rows(self, assistant, settings):
        settings.IMPORT_MAX_ROWS = 1
        with pytest.raises(CustomerError):
            imports.import_stage(actor=assistant, kind="customers", file=xlsx(good_rows()))


@pytest.mark.django_db
class TestContactAndFigureImport:
    def test_contacts_primary_rule_and_idempotence(self, assistant, customer):
        headers = ["客户名称", "统一社会信用代码", "姓名", "职务", "手机", "主要联系人"]
        rows = [
            [customer.name, customer.credit_code, "王强", "采购经理", "１３８００１３８０００", "否"],
            [customer.name, "", "李梅", "财务总监", "13900139000", "否"],
        ]
        stage_and_commit(assistant, "contacts", xlsx(rows, headers))
        contacts = {c.name: c for c in Contact.objects.all()}
        assert contacts["王强"].mobile == "13800138000" and contacts["王强"].is_primary
        assert contacts["李梅"].position == "cfo" and not contacts["李梅"].is_primary
        batch = stage_and_commit(assistant, "contacts", xlsx(rows, headers))
        assert (batch.created, batch.updated) == (0, 0)

    def test_bad_mobile_rejects_the_whole_file(self, assistant, customer):
        headers = ["客户名称", "姓名", "手机"]
        rows = [[customer.name, "王强", "13800138000"], [customer.name, "李梅", "12345"]]
        staged = imports.import_stage(actor=assistant, kind="contacts", file=xlsx(rows, headers))
        assert [(r.number, r.errors[0][0]) for r in staged.report.bad_rows] == [(3, "手机")]
        assert not Contact.objects.exists()

    def test_figures_for_invisible_customer_are_refused(self, assistant, customer, south_customer):
        headers = ["客户名称", "年度", "业务量(元)", "应收款(元)"]
        rows = [[customer.name, 2025, 3200000, 0], [south_customer.name, 2025, 100, 0]]
        staged = imports.import_stage(actor=assistant, kind="figures", file=xlsx(rows, headers))
        assert [(r.number, r.errors[0][0]) for r in staged.report.bad_rows] == [(3, "客户名称")]
        rows.pop()
        stage_and_commit(assistant, "figures", xlsx(rows, headers))
        assert YearlyFigure.objects.get().business_volume == 3200000


@pytest.mark.django_db
class TestExport:
    def test_formulas_are_neutralised(self, assistant, salesperson):
        c = CustomerFactory(
            owner=salesperson,
            name='=HYPERLINK("http://evil")',
            short_name="+1",
            address="@SUM(A1)",
            city="-2",
            phone="\t3",
            industry="\r4",
        )
        ContactFactory(customer=c, name="=cmd|' /C calc'!A0")
        content = imports.export_xlsx(actor=assistant, kind="customers", customers=Customer.objects.all())
        ws = load_workbook(io.BytesIO(content)).active
        row = [cell.value for cell in list(ws.rows)[1]]
        for value in (c.name, "+1", "@SUM(A1)", "-2", "\t3", "\n4"):  # the xlsx XML keeps CR as LF
            assert "'" + value in row
        assert all(cell.data_type != "f" for cell in list(ws.rows)[1])
        contacts = load_workbook(
            io.BytesIO(
                imports.export_xlsx(actor=assistant, kind="contacts", customers=Customer.objects.all())
            )
        ).active
        assert "'=cmd|' /C calc'!A0" in [cell.value for cell in list(contacts.rows)[1]]

    def test_export_view_respects_visibility_and_logs_confidential(
        self, client_for, assistant, salesperson, south_customer
    ):
        key = CustomerFactory(owner=salesperson, name="重点客户有限公司", grade="A")
        CustomerFactory(owner=salesperson, name="普通客户有限公司")
        response = client_for(assistant).get(reverse("customers:export"), {"kind": "customers"})
        assert response.status_code == 200
        names = [row[0].value for row in list(load_workbook(io.BytesIO(response.content)).active.rows)[1:]]
        assert set(names) == {"重点客户有限公司", "普通客户有限公司"}
        assert list(AccessLog.objects.values_list("customer_id", "action")) == [(key.pk, "export")]


@pytest.mark.django_db
class TestImportViews:
    def test_preview_then_confirm(self, client_for, assistant, salesperson):
        client = client_for(assistant)
        response = client.post(
            reverse("customers:import"), {"kind": "customers", "file": xlsx(good_rows())}, follow=True
        )
        assert response.context["report"].ok and not Customer.objects.exists()
        token = response.context["token"]
        response = client.post(reverse("customers:import_confirm"), {"token": token})
        assert response.status_code == 302 and Customer.objects.count() == 2
        # A second confirm (a double tap) answers with the first result and imports nothing again.
        again = client.post(reverse("customers:import_confirm"), {"token": token})
        assert again.status_code == 302 and again["Location"] == response["Location"]
        assert ImportBatch.objects.count() == 1

    def test_bad_row_shown_and_nothing_imported(self, client_for, assistant, salesperson):
        rows = good_rows() + [["", "", "", "", "sales1", "", ""]]
        response = client_for(assistant).post(
            reverse("customers:import"), {"kind": "customers", "file": xlsx(rows)}, follow=True
        )
        html = response.content.decode()
        assert 'data-testid="import-rejected"' in html and "第 4 行" in html and "客户名称" in html
        assert not Customer.objects.exists()

    def test_salesperson_may_not_import(self, client_for, salesperson):
        response = client_for(salesperson).post(
            reverse("customers:import"), {"kind": "customers", "file": xlsx(good_rows())}
        )
        assert response.status_code == 403 and not Customer.objects.exists()
