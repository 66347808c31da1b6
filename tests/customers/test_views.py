"""Screens of the archive per role: who sees what, forms, mass assignment, documents, query counts."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.models import AuditLog
from customers.models import AccessLog, Contact, Customer, CustomerShare, QualificationDocument
from tests.factories import ContactFactory, CustomerFactory, UserFactory, YearlyFigureFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.AXES_ENABLED = False
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }


def list_names(response):
    return {c.name for c in response.context["customers"]}


@pytest.mark.django_db
class TestVisibility:
    def test_salesperson_sees_own_and_shared_only(
        self, client_for, salesperson, customer, other_customer, south_customer
    ):
        shared = CustomerFactory(name="共享客户有限公司", owner=other_customer.owner)
        CustomerShare.objects.create(customer=shared, user=salesperson)
        names = list_names(client_for(salesperson).get(reverse("customers:list")))
        assert names == {customer.name, shared.name}

    @pytest.mark.parametrize(
        "route", ["detail", "edit", "contact_add", "document_upload", "figure_add", "profile_edit"]
    )
    def test_another_salespersons_customer_is_404(self, client_for, salesperson, other_customer, route):
        response = client_for(salesperson).get(reverse(f"customers:{route}", args=[other_customer.pk]))
        assert response.status_code == 404

    def test_another_salespersons_contact_and_document_are_404(
        self, client_for, salesperson, customer, other_customer
    ):
        contact = ContactFactory(customer=other_customer)
        client = client_for(salesperson)
        assert (
            client.get(reverse("customers:contact_edit", args=[other_customer.pk, contact.pk])).status_code
            == 404
        )
        # Own customer's URL with another customer's contact id: still 404.
        assert (
            client.get(reverse("customers:contact_edit", args=[customer.pk, contact.pk])).status_code == 404
        )
        assert (
            client.post(reverse("customers:contact_delete", args=[customer.pk, contact.pk])).status_code
            == 404
        )
        assert Contact.objects.filter(pk=contact.pk).exists()

    def test_assistant_and_manager_see_their_department(
        self, client_for, assistant, manager, customer, other_customer, south_customer
    ):
        for user in (assistant, manager):
            names = list_names(client_for(user).get(reverse("customers:list")))
            assert names == {customer.name, other_customer.name}
            assert (
                client_for(user).get(reverse("customers:detail", args=[south_customer.pk])).status_code == 404
            )

    def test_gm_office_and_admin_see_all(
        self, client_for, gm_office, administrator, customer, other_customer, south_customer
    ):
        for user in (gm_office, administrator):
            names = list_names(client_for(user).get(reverse("customers:list")))
            assert names == {customer.name, other_customer.name, south_customer.name}

    def test_gm_office_reads_but_does_not_edit(self, client_for, gm_office, customer):
        assert client_for(gm_office).get(reverse("customers:edit", args=[customer.pk])).status_code == 403

    def test_owner_filter_offers_only_the_department(
        self, client_for, manager, salesperson, south_salesperson
    ):
        form = client_for(manager).get(reverse("customers:list")).context["filter"].form
        owners = {value for value, _label in form.fields["owner"].choices}
        assert str(salesperson.pk) in owners and str(south_salesperson.pk) not in owners
        assert "department" not in form.fields


@pytest.mark.django_db
class TestList:
    def test_search_by_contact_mobile_and_credit_code(self, client_for, salesperson, customer):
        other = CustomerFactory(name="杭州远景科技有限公司", owner=salesperson)
        ContactFactory(customer=customer, name="周杰", mobile="13912345678")
        client = client_for(salesperson)
        assert list_names(client.get(reverse("customers:list"), {"q": "1391234"})) == {customer.name}
        assert list_names(client.get(reverse("customers:list"), {"q": other.credit_code})) == {other.name}
        assert list_names(client.get(reverse("customers:list"), {"q": "恒力"})) == {customer.name}

    def test_filters_and_sort(self, client_for, manager, salesperson):
        a = CustomerFactory(name="甲公司", owner=salesperson, grade="A", province="江苏省")
        CustomerFactory(name="乙公司", owner=salesperson, grade="B", province="浙江省")
        client = client_for(manager)
        assert list_names(client.get(reverse("customers:list"), {"grade": "A"})) == {a.name}
        assert list_names(client.get(reverse("customers:list"), {"province": "江苏省"})) == {a.name}
        response = client.get(reverse("customers:list"), {"sort": "grade"})
        assert [c.grade for c in response.context["customers"]] == ["A", "B"]

    def test_blacklisted_customer_is_marked(self, client_for, salesperson):
        import datetime as dt

        CustomerFactory(
            name="黑名单公司", owner=salesperson, is_blacklisted=True, blacklisted_until=dt.date(2027, 1, 1)
        )
        html = client_for(salesperson).get(reverse("customers:list")).content.decode()
        assert 'data-testid="blacklist-mark"' in html and "黑名单" in html

    def test_pagination_without_count(self, client_for, salesperson):
        CustomerFactory.create_batch(30, owner=salesperson)
        client = client_for(salesperson)
        first = client.get(reverse("customers:list"))
        assert len(first.context["customers"]) == 25 and first.context["page"].has_next()
        second = client.get(reverse("customers:list"), {"page": 2})
        assert len(second.context["customers"]) == 5 and not second.context["page"].has_next()

    @pytest.mark.parametrize("rows", [10, 100])
    def test_list_runs_constant_queries(
        self, client_for, manager, salesperson, rows, django_assert_max_num_queries
    ):
        for c in CustomerFactory.create_batch(rows, owner=salesperson):
            ContactFactory(customer=c, is_primary=True)
        client = client_for(manager)
        client.get(reverse("home"))  # the session's first write is not the list's cost
        with django_assert_max_num_queries(8):
            response = client.get(
                reverse("customers:list"), {"q": "客户", "sort": "name", "owner": salesperson.pk}
            )
        assert response.status_code == 200 and len(response.context["customers"]) == min(rows, 25)


@pytest.mark.django_db
class TestDetail:
    @pytest.mark.parametrize("rows", [1, 20])
    def test_detail_runs_constant_queries(
        self, client_for, manager, customer, rows, django_assert_max_num_queries, monkeypatch
    ):
        from screens import customer_page

        monkeypatch.setattr(customer_page, "PANELS", [])  # this app's own sections; panels are pinned below
        for i in range(rows):
            ContactFactory(customer=customer)
            YearlyFigureFactory(customer=customer, year=2000 + i)
        client = client_for(manager)
        client.get(reverse("customers:detail", args=[customer.pk]))  # session write, policy row created
        with django_assert_max_num_queries(10):
            response = client.get(reverse("customers:detail", args=[customer.pk]))
        assert response.status_code == 200
        assert len(response.context["contacts"]) == rows

    def test_detail_with_all_panels_is_the_same_for_few_and_many_rows(self, client_for, manager, salesperson):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = client_for(manager)
        counts = []
        for rows in (1, 15):
            c = CustomerFactory(owner=salesperson)
            for i in range(rows):
                ContactFactory(customer=c)
                YearlyFigureFactory(customer=c, year=2000 + i)
            client.get(reverse("customers:detail", args=[c.pk]))
            with CaptureQueriesContext(connection) as ctx:
                client.get(reverse("customers:detail", args=[c.pk]))
            counts.append(len(ctx))
        assert counts[0] == counts[1]

    def test_confidential_view_is_logged_and_shown_to_managers_only(self, client_for, salesperson, manager):
        key = CustomerFactory(owner=salesperson, grade="A")
        sales_page = client_for(salesperson).get(reverse("customers:detail", args=[key.pk]))
        assert sales_page.context["access_logs"] is None
        assert AccessLog.objects.filter(customer=key, user=salesperson, action="view").count() == 1
        manager_page = client_for(manager).get(reverse("customers:detail", args=[key.pk]))
        assert len(manager_page.context["access_logs"]) == 2

    def test_ordinary_customer_view_is_not_logged(self, client_for, salesperson, customer):
        client_for(salesperson).get(reverse("customers:detail", args=[customer.pk]))
        assert not AccessLog.objects.exists()

    def test_confirm_button_sets_confirmation(self, client_for, salesperson, customer):
        response = client_for(salesperson).post(reverse("customers:confirm", args=[customer.pk]))
        assert response.status_code == 302
        customer.refresh_from_db()
        assert customer.last_confirmed_by == salesperson and customer.last_confirmed_at is not None

    def test_gm_office_cannot_confirm(self, client_for, gm_office, customer):
        assert client_for(gm_office).post(reverse("customers:confirm", args=[customer.pk])).status_code == 403

    def test_listed_panels_are_rendered(self, client_for, salesperson, customer, monkeypatch):
        from crm.registry import Panel
        from screens import customer_page

        monkeypatch.setattr(
            customer_page,
            "PANELS",
            [
                *customer_page.PANELS,
                Panel(
                    key="test-panel",
                    title="测试面板",
                    template="customers/_form_errors.html",
                    context=lambda request, obj: {"n": 1},
                ),
            ],
        )
        html = client_for(salesperson).get(reverse("customers:detail", args=[customer.pk])).content.decode()
        assert 'id="panel-test-panel"' in html and "测试面板" in html


def customer_post(customer=None, **extra):
    data = {
        "name": "宁波海天塑机有限公司",
        "short_name": "海天",
        "credit_code": "91350100M000100Y43",
        "industry": "机械",
        "province": "浙江省",
        "city": "宁波",
        "source_channel": "trade_fair",
    }
    if customer is not None:
        data.update(name=customer.name, credit_code=customer.credit_code, version=customer.version)
    data.update(extra)
    return data


@pytest.mark.django_db
class TestForms:
    def test_salesperson_creates_own_customer_and_mass_assignment_is_ignored(
        self, client_for, salesperson, other_salesperson
    ):
        response = client_for(salesperson).post(
            reverse("customers:create"),
            customer_post(
                grade="A",
                status="active",
                is_blacklisted="on",
                owner=other_salesperson.pk,
                last_onsite_visit_on="2026-01-01",
            ),
        )
        assert response.status_code == 302
        created = Customer.objects.get(credit_code="91350100M000100Y43")
        assert created.owner == salesperson and created.grade == "" and created.status == "prospect"
        assert created.is_blacklisted is False and created.last_onsite_visit_on is None

    def test_edit_ignores_grade_and_status(self, client_for, salesperson, customer):
        client_for(salesperson).post(
            reverse("customers:edit", args=[customer.pk]),
            customer_post(
                customer,
                city="苏州",
                grade="A",
                status="inactive",
            ),
        )
        customer.refresh_from_db()
        assert customer.city == "苏州" and customer.grade == "C" and customer.status == "active"

    def test_assistant_chooses_owner_in_department_only(
        self, client_for, assistant, salesperson, south_salesperson
    ):
        client = client_for(assistant)
        form = client.get(reverse("customers:create")).context["form"]
        assert (
            salesperson in form.fields["owner"].queryset
            and south_salesperson not in form.fields["owner"].queryset
        )
        response = client.post(reverse("customers:create"), customer_post(owner=south_salesperson.pk))
        assert response.status_code == 200 and not Customer.objects.exists()
        client.post(reverse("customers:create"), customer_post(owner=salesperson.pk))
        assert Customer.objects.get().owner == salesperson

    def test_wrong_credit_code_is_refused_in_chinese(self, client_for, salesperson):
        response = client_for(salesperson).post(
            reverse("customers:create"), customer_post(credit_code="91350100M000100Y44")
        )
        assert response.status_code == 200
        assert "校验" in response.content.decode()
        assert not Customer.objects.exists()

    def test_stale_version_gives_a_conflict_message(self, client_for, salesperson, customer):
        stale = customer.version
        client = client_for(salesperson)
        client.post(reverse("customers:edit", args=[customer.pk]), customer_post(customer, city="一"))
        response = client.post(
            reverse("customers:edit", args=[customer.pk]), customer_post(customer, city="二", version=stale)
        )
        assert response.status_code == 200
        assert "其他人" in response.content.decode() or "someone else" in response.content.decode()
        customer.refresh_from_db()
        assert customer.city == "一"

    def test_blacklisted_name_is_refused(self, client_for, salesperson):
        import datetime as dt

        CustomerFactory(
            name="宁波海天塑机有限公司",
            credit_code="",
            is_blacklisted=True,
            blacklisted_until=dt.date(2027, 1, 1),
            is_deleted=False,
            owner=salesperson,
        )
        response = client_for(salesperson).post(
            reverse("customers:create"), customer_post(name="宁波海天塑机有限公司 ")
        )
        assert response.status_code == 200 and Customer.objects.count() == 1

    def test_add_contact_normalises_full_width_mobile(self, client_for, salesperson, customer):
        response = client_for(salesperson).post(
            reverse("customers:contact_add", args=[customer.pk]),
            {
                "name": "王强",
                "position": "buyer",
                "mobile": "１３８ ００１３ ８０００",
            },
        )
        assert response.status_code == 302
        contact = customer.contacts.get()
        assert contact.mobile == "13800138000" and contact.is_primary

    def test_bad_mobile_is_refused(self, client_for, salesperson, customer):
        response = client_for(salesperson).post(
            reverse("customers:contact_add", args=[customer.pk]),
            {
                "name": "王强",
                "position": "buyer",
                "mobile": "12345",
            },
        )
        assert response.status_code == 200 and not customer.contacts.exists()

    def test_yearly_figure_add_and_edit(self, client_for, assistant, customer):
        client = client_for(assistant)
        data = {
            "year": 2025,
            "business_volume": "3200000",
            "receivables": "0",
            "overdue_payment_count": 0,
            "overdue_pickup_count": 1,
        }
        assert client.post(reverse("customers:figure_add", args=[customer.pk]), data).status_code == 302
        data["business_volume"] = "100"
        assert (
            client.post(reverse("customers:figure_edit", args=[customer.pk, 2025]), data).status_code == 302
        )
        assert customer.yearly_figures.get(year=2025).business_volume == 100

    def test_profile_edit(self, client_for, salesperson, customer):
        client_for(salesperson).post(
            reverse("customers:profile_edit", args=[customer.pk]), {"main_products": "注塑机"}
        )
        assert customer.profile.main_products == "注塑机"

    def test_status_change_refused_for_blacklisted(self, client_for, manager, salesperson):
        import datetime as dt

        c = CustomerFactory(
            owner=salesperson, status="inactive", is_blacklisted=True, blacklisted_until=dt.date(2027, 1, 1)
        )
        client_for(manager).post(reverse("customers:status", args=[c.pk]), {"status": "active"})
        c.refresh_from_db()
        assert c.status == "inactive"

    def test_manager_reassigns_within_department(
        self, client_for, manager, customer, other_salesperson, salesperson
    ):
        client = client_for(manager)
        assert (
            client.post(
                reverse("customers:reassign", args=[customer.pk]), {"owner": other_salesperson.pk}
            ).status_code
            == 302
        )
        customer.refresh_from_db()
        assert customer.owner == other_salesperson
        assert AuditLog.objects.filter(action="customers.customer.reassigned").exists()

    def test_salesperson_cannot_reassign(self, client_for, salesperson, customer):
        assert (
            client_for(salesperson).get(reverse("customers:reassign", args=[customer.pk])).status_code == 403
        )


@pytest.mark.django_db
class TestDocuments:
    def upload(self, client, customer, content, name):
        return client.post(
            reverse("customers:document_upload", args=[customer.pk]),
            {
                "doc_type": "business_license",
                "file": SimpleUploadedFile(name, content),
            },
        )

    def test_upload_and_download_as_attachment(self, client_for, salesperson, customer):
        client = client_for(salesperson)
        assert self.upload(client, customer, PDF, "营业执照.pdf").status_code == 302
        doc = QualificationDocument.objects.get()
        assert doc.content_type == "application/pdf" and doc.original_name == "营业执照.pdf"
        response = client.get(reverse("customers:document_download", args=[customer.pk, doc.pk]))
        assert response.status_code == 200
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("attachment")
        assert b"".join(response.streaming_content) == PDF

    @pytest.mark.parametrize(
        "content,name",
        [
            (b"MZ\x90\x00" + b"\x00" * 100, "invoice.pdf"),
            (b"", "empty.pdf"),
            (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.svg"),
        ],
    )
    def test_bad_files_are_refused(self, client_for, salesperson, customer, content, name):
        response = self.upload(client_for(salesperson), customer, content, name)
        assert response.status_code == 200
        assert not QualificationDocument.objects.exists()

    def test_oversized_file_is_refused(self, client_for, salesperson, customer, settings):
        settings.UPLOAD_MAX_BYTES = 1024
        response = self.upload(client_for(salesperson), customer, PDF + b"0" * 2048, "big.pdf")
        assert response.status_code == 200 and "大" in response.content.decode()
        assert not QualificationDocument.objects.exists()

    def test_download_needs_visibility(
        self, client_for, salesperson, other_salesperson, customer, south_manager
    ):
        self.upload(client_for(salesperson), customer, PDF, "a.pdf")
        doc = QualificationDocument.objects.get()
        url = reverse("customers:document_download", args=[customer.pk, doc.pk])
        assert client_for(other_salesperson).get(url).status_code == 404
        assert client_for(south_manager).get(url).status_code == 404

    def test_expired_document_is_marked_on_the_customer_page(self, client_for, salesperson, customer):
        import datetime as dt

        import time_machine

        client = client_for(salesperson)
        self.upload(client, customer, PDF, "a.pdf")
        QualificationDocument.objects.update(issued_on=dt.date(2024, 1, 1), expires_on=dt.date(2026, 3, 31))
        url = reverse("customers:detail", args=[customer.pk])
        with time_machine.travel(dt.datetime(2026, 3, 20, 9, tzinfo=dt.UTC), tick=False):
            html = client.get(url).content.decode()
            assert 'data-testid="document-expiring"' in html and 'data-testid="document-expired"' not in html
        with time_machine.travel(dt.datetime(2026, 4, 2, 9, tzinfo=dt.UTC), tick=False):
            html = client.get(url).content.decode()
            assert 'data-testid="document-expired"' in html and "已到期" in html

    def test_download_of_confidential_document_is_logged(self, client_for, salesperson):
        key = CustomerFactory(owner=salesperson, is_key=True)
        client = client_for(salesperson)
        self.upload(client, key, PDF, "a.pdf")
        doc = QualificationDocument.objects.get()
        client.get(reverse("customers:document_download", args=[key.pk, doc.pk]))
        assert AccessLog.objects.filter(customer=key, action="download").count() == 1


@pytest.mark.django_db
def test_login_required(client, customer):
    response = client.get(reverse("customers:detail", args=[customer.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.django_db
def test_other_department_user_cannot_import(client_for, salesperson):
    assert client_for(salesperson).get(reverse("customers:import")).status_code == 403
    assert client_for(salesperson).get(reverse("customers:export")).status_code == 403


__all__ = ["io", "UserFactory"]


@pytest.mark.django_db
def test_a_new_archive_names_who_confirmed_it(client_for, salesperson):
    # Field test 20: "档案最近由 — 于…" on a customer just created by a known user.
    from customers.services import customer_create

    customer = customer_create(actor=salesperson, data={"name": "新建确认测试有限公司"})
    assert customer.last_confirmed_by == salesperson
    body = client_for(salesperson).get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert salesperson.display_name in body and "由 — 于" not in body
