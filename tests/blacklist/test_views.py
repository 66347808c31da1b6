from datetime import date
from io import BytesIO

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from blacklist import services
from blacklist.models import BlacklistEntry, EntryState
from tests.factories import CustomerFactory

from .conftest import at

pytestmark = pytest.mark.django_db

REPORT = reverse("blacklist:report")


@pytest.fixture
def entries(
    customer, other_customer, south_customer, manager, south_manager, gm_office, report_entry, active_entry
):
    """East: one active (customer), one reported (other_customer); south: one active."""
    with time_machine.travel(at(2026, 3, 1), tick=False):
        east_active = active_entry(customer, loss=350_000)
        east_reported = report_entry(other_customer, reason='=HYPERLINK("http://evil","x")')
        south_active = active_entry(south_customer, reporter=south_manager, loss=20_000)
    return east_active, east_reported, south_active


def test_gm_office_sees_every_department(client_for, gm_office, entries):
    with time_machine.travel(at(2026, 3, 2), tick=False):
        response = client_for(gm_office).get(REPORT)
    assert response.status_code == 200
    assert {e.pk for e in response.context["rows"]} == {e.pk for e in entries}
    totals = {t["department__name"]: t for t in response.context["totals"]}
    assert totals["华东销售部"]["entries"] == 2 and totals["华东销售部"]["active"] == 1
    assert totals["华南销售部"]["loss"] == 20_000
    assert "广州南方化工有限公司" in response.content.decode()


def test_manager_sees_only_own_department(client_for, manager, entries):
    response = client_for(manager).get(REPORT)
    body = response.content.decode()
    assert {e.pk for e in response.context["rows"]} == {entries[0].pk, entries[1].pk}
    assert "广州南方化工有限公司" not in body
    assert [d.name for d in response.context["form"].fields["department"].queryset] == ["华东销售部"]
    # Asking for the other department's rows gives nothing, not their data.
    south_id = entries[2].department_id
    response = client_for(manager).get(REPORT, {"department": south_id})
    assert "广州南方化工有限公司" not in response.content.decode()


@pytest.mark.parametrize("persona", ["salesperson", "assistant"])
def test_report_is_not_for_salespeople_or_assistants(client_for, request, persona, entries):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(REPORT).status_code == 403
    assert client_for(user).get(reverse("blacklist:report_export")).status_code == 403


def test_report_filters_by_department_state_and_period(client_for, gm_office, entries, south):
    client = client_for(gm_office)
    rows = client.get(REPORT, {"department": south.pk}).context["rows"]
    assert [e.pk for e in rows] == [entries[2].pk]
    rows = client.get(REPORT, {"state": EntryState.REPORTED}).context["rows"]
    assert [e.pk for e in rows] == [entries[1].pk]
    BlacklistEntry.objects.filter(pk=entries[1].pk).update(created_at=at(2025, 12, 1))
    rows = client.get(REPORT, {"date_from": "2026-01-01", "date_to": "2026-12-31"}).context["rows"]
    assert {e.pk for e in rows} == {entries[0].pk, entries[2].pk}


def test_report_shows_days_remaining(client_for, gm_office, entries):
    with time_machine.travel(at(2026, 8, 25), tick=False):
        rows = client_for(gm_office).get(REPORT).context["rows"]
    by_pk = {e.pk: e for e in rows}
    assert by_pk[entries[0].pk].remaining == (date(2026, 9, 1) - date(2026, 8, 25)).days
    assert by_pk[entries[0].pk].expiring  # within the 7 warning days
    assert by_pk[entries[1].pk].remaining is None


def test_report_query_count_does_not_grow(
    client_for, gm_office, manager, report_entry, django_assert_max_num_queries
):
    for _ in range(15):
        report_entry(CustomerFactory(department=manager.department))
    client = client_for(gm_office)
    # session, user, totals, rows, policy (+ creation), unread count, departments, session save
    with django_assert_max_num_queries(14):
        response = client.get(REPORT)
    assert len(response.context["rows"]) == 15


def test_export_is_xlsx_and_formula_safe(client_for, gm_office, entries):
    response = client_for(gm_office).get(reverse("blacklist:report_export"), {"state": "reported"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(BytesIO(response.content)).active
    values = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert len(values) == 1
    reason = values[0][3]
    assert not reason.startswith("=") and "HYPERLINK" in reason
    assert all(not (isinstance(v, str) and v[:1] in "=+-@") for row in values for v in row)


def test_cell_safe_neutralises_every_trigger():
    from blacklist.exports import cell_safe

    for bad in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"):
        assert cell_safe(bad).startswith("'")
    assert cell_safe("上海恒力") == "上海恒力" and cell_safe(-5) == -5


def test_print_layout_has_no_navigation(client_for, gm_office, entries):
    response = client_for(gm_office).get(reverse("blacklist:report_print"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "crm-nav" not in body and "print.css" in body
    assert "上海恒力机械有限公司" in body


def test_entry_detail_is_scoped(
    client_for, entries, south_manager, other_salesperson, salesperson, gm_office
):
    url = reverse("blacklist:entry_detail", args=[entries[0].pk])
    assert client_for(south_manager).get(url).status_code == 404
    assert client_for(other_salesperson).get(url).status_code == 404
    assert client_for(salesperson).get(url).status_code == 200  # the owner sees why
    assert client_for(gm_office).get(url).status_code == 200


def test_entry_detail_query_count(client_for, gm_office, entries, django_assert_max_num_queries):
    client = client_for(gm_office)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("blacklist:entry_detail", args=[entries[1].pk]))
    assert response.context["can"]["approve"]


def test_gm_office_approves_with_a_shorter_period_in_the_page(client_for, gm_office, entries):
    client = client_for(gm_office)
    with time_machine.travel(at(2026, 3, 5), tick=False):
        response = client.post(
            reverse("blacklist:entry_approve", args=[entries[1].pk]),
            {"ends_on": "2026-06-30", "comment": "属实"},
            follow=True,
        )
    entry = BlacklistEntry.objects.get(pk=entries[1].pk)
    assert entry.state == EntryState.ACTIVE and entry.ends_on == date(2026, 6, 30)
    assert response.status_code == 200


def test_a_longer_period_is_refused_in_the_form_with_a_clear_message(client_for, gm_office, entries):
    with time_machine.travel(at(2026, 3, 5), tick=False):
        response = client_for(gm_office).post(
            reverse("blacklist:entry_approve", args=[entries[1].pk]),
            {"ends_on": "2026-09-06"},
            follow=True,
        )
    assert BlacklistEntry.objects.get(pk=entries[1].pk).state == EntryState.REPORTED
    assert "2026-09-05" in " ".join(str(m) for m in response.context["messages"])


def test_manager_cannot_approve_through_the_page(client_for, manager, entries):
    client_for(manager).post(reverse("blacklist:entry_approve", args=[entries[1].pk]), {})
    assert BlacklistEntry.objects.get(pk=entries[1].pk).state == EntryState.REPORTED


def test_manager_reports_with_evidence(client_for, manager, customer, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    client = client_for(manager)
    url = reverse("blacklist:entry_create", args=[customer.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "reason_category": "payment",
            "reason": "拖欠货款",
            "loss_amount": "120000",
            "loss_description": "",
            "evidence": [SimpleUploadedFile("对账单.pdf", b"%PDF-1.4 statement")],
        },
    )
    entry = BlacklistEntry.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "blacklist:entry_detail", args=[entry.pk]
    )
    ev = entry.evidence.get()
    download = client.get(reverse("blacklist:evidence_download", args=[ev.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")


def test_evidence_download_is_scoped(client_for, manager, south_manager, customer, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    entry = services.blacklist_entry_report(
        actor=manager,
        customer_id=customer.pk,
        reason_category="payment",
        reason="x",
        evidence=[SimpleUploadedFile("a.pdf", b"%PDF-1.4 a")],
    )
    ev = entry.evidence.get()
    assert (
        client_for(south_manager).get(reverse("blacklist:evidence_download", args=[ev.pk])).status_code == 404
    )


def test_report_form_refuses_a_negative_loss(client_for, manager, customer):
    response = client_for(manager).post(
        reverse("blacklist:entry_create", args=[customer.pk]),
        {
            "reason_category": "payment",
            "reason": "x",
            "loss_amount": "-1",
        },
    )
    assert response.status_code == 200 and not BlacklistEntry.objects.exists()


def test_other_departments_customer_cannot_be_reported(client_for, manager, south_customer):
    assert (
        client_for(manager).get(reverse("blacklist:entry_create", args=[south_customer.pk])).status_code
        == 404
    )


def test_readmission_through_the_pages(client_for, customer, salesperson, manager, gm_office, active_entry):
    with time_machine.travel(at(2026, 1, 10), tick=False):
        entry = active_entry(customer)
    with time_machine.travel(at(2026, 7, 11), tick=False):
        services.blacklist_entry_expire()
    response = client_for(salesperson).post(
        reverse("blacklist:readmission_create", args=[entry.pk]),
        {
            "licence_valid": "on",
            "debts_settled": "on",
            "operating_normally": "on",
            "cause_resolved": "on",
            "evaluation": "已结清全部欠款",
        },
    )
    assert response.status_code == 302
    req = entry.readmissions.get()
    client_for(manager).post(reverse("blacklist:readmission_approve", args=[req.pk]))
    client_for(gm_office).post(reverse("blacklist:readmission_approve", args=[req.pk]))
    customer.refresh_from_db()
    assert customer.status == "active" and customer.grade == "C"


def test_readmission_form_refuses_unmet_conditions(client_for, customer, salesperson, active_entry):
    with time_machine.travel(at(2026, 1, 10), tick=False):
        entry = active_entry(customer)
    with time_machine.travel(at(2026, 7, 11), tick=False):
        services.blacklist_entry_expire()
    response = client_for(salesperson).post(
        reverse("blacklist:readmission_create", args=[entry.pk]),
        {
            "licence_valid": "on",
            "evaluation": "x",
        },
    )
    assert response.status_code == 200 and not entry.readmissions.exists()


def test_customer_page_shows_the_panel(
    client_for, salesperson, customer, entries, django_assert_max_num_queries
):
    client = client_for(salesperson)
    url = reverse("customers:detail", args=[customer.pk])
    response = client.get(url)
    body = response.content.decode()
    assert 'data-testid="blacklist-panel"' in body
    assert reverse("blacklist:entry_detail", args=[entries[0].pk]) in body


def test_panel_context_runs_a_constant_number_of_queries(
    rf, manager, customer, report_entry, gm_office, django_assert_num_queries
):
    from blacklist.panels import customer_panel_context

    entry = report_entry(customer)
    services.blacklist_entry_reject(actor=gm_office, entry_id=entry.pk, comment="no")
    request = rf.get("/")
    request.user = manager
    with django_assert_num_queries(1):  # the entries and their requests in one statement
        ctx = customer_panel_context(request, customer)
    assert ctx["may_report"] and [e.pk for e in ctx["entries"]] == [entry.pk]


def test_dashboard_widget_for_gm_office(client_for, gm_office, entries):
    body = client_for(gm_office).get(reverse("home")).content.decode()
    assert 'data-testid="blacklist-widget"' in body
