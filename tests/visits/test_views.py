from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers.models import Customer
from tests.factories import ContactFactory, CustomerFactory
from visits import services
from visits.models import PlanStatus, VisitMode, VisitPlan, VisitPolicy, VisitReport

from .conftest import NOW, PNG_BYTES, TODAY, cadence_customer

pytestmark = pytest.mark.django_db

MINE = reverse("visits:mine")
TEAM = reverse("visits:team")
NEW_REPORT = reverse("visits:report_create")


def make_plan(user, customer, *, hours=2):
    return services.visit_plan_create(
        actor=user,
        customer_id=customer.pk,
        data={"purpose": "新品介绍", "planned_at": NOW + timedelta(hours=hours)},
    )


def make_report(user, customer, **data):
    return services.visit_report_create(
        author=user, customer_id=customer.pk, data={"visited_on": TODAY, "mode": VisitMode.PHONE, **data}
    )


def populate(user, n):
    """n overdue customers, n plans this week and n reports for one salesperson."""
    for i in range(n):
        c = cadence_customer(user, grade="A", visited_days_ago=61 + i)
        make_plan(user, c, hours=1 + i % 48)
        make_report(user, c, next_steps=[{"text": f"跟进{i}", "due_on": TODAY}])


def query_count(client, url):
    client.get(url)  # the first request of a session also writes the session
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# --- 我的拜访 ----------------------------------------------------------------------------------


def test_mine_shows_plans_overdue_customers_steps_and_reports(client_for, salesperson, frozen):
    late = cadence_customer(salesperson, grade="A", visited_days_ago=75, short_name="恒通")
    cadence_customer(salesperson, grade="A", visited_days_ago=10, short_name="按时")
    plan = make_plan(salesperson, late)
    make_report(salesperson, late, next_steps=[{"text": "寄送样品", "due_on": TODAY}])
    body = client_for(salesperson).get(MINE).content.decode()
    assert f'data-testid="plan-{plan.pk}"' in body
    assert (
        f'data-testid="overdue-{late.pk}"' in body
        and "按时" not in body.split('data-testid="overdue-list"')[1].split("</section>")[0]
    )
    assert "15" in body  # days overdue
    assert "寄送样品" in body
    assert f"?customer={late.pk}&amp;plan={plan.pk}" in body


def test_mine_query_count_does_not_grow_with_rows(client_for, salesperson, frozen):
    client = client_for(salesperson)
    populate(salesperson, 10)
    few = query_count(client, MINE)
    populate(salesperson, 90)
    assert query_count(client, MINE) == few
    assert few <= 14


def test_mine_lists_only_own_overdue_customers(client_for, salesperson, other_salesperson, frozen):
    theirs = cadence_customer(other_salesperson, grade="A", visited_days_ago=90)
    body = client_for(salesperson).get(MINE).content.decode()
    assert f'data-testid="overdue-{theirs.pk}"' not in body


# --- The report form -------------------------------------------------------------------------


def test_report_form_is_prefilled_from_the_plan(client_for, salesperson, customer, frozen):
    contact = ContactFactory(customer=customer, name="赵采购")
    plan = services.visit_plan_create(
        actor=salesperson,
        customer_id=customer.pk,
        data={"purpose": "报价", "planned_at": NOW, "contact_ids": [contact.pk]},
    )
    response = client_for(salesperson).get(NEW_REPORT, {"customer": customer.pk, "plan": plan.pk})
    body = response.content.decode()
    assert 'accept="image/*"' in body and 'capture="environment"' in body
    assert f'name="plan" value="{plan.pk}"' in body
    assert f'value="{contact.pk}" class="btn-check" autocomplete="off" id="id_contacts_0" checked' in body
    assert f'value="{TODAY.isoformat()}"' in body
    assert "js/visits.js" in body and "<script>" not in body


def test_report_submit_completes_the_plan_with_a_photo(
    client_for, salesperson, customer, frozen, settings, tmp_path
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    plan = make_plan(salesperson, customer)
    response = client_for(salesperson).post(
        NEW_REPORT,
        {
            "customer": customer.pk,
            "plan": plan.pk,
            "visited_on": TODAY.isoformat(),
            "mode": VisitMode.ONSITE,
            "latest_needs": "需要500台",
            "cooperation_intent": "strong",
            "step_0_text": "发报价",
            "step_0_due": TODAY.isoformat(),
            "step_0_owner": salesperson.pk,
            "step_1_owner": salesperson.pk,
            "step_2_owner": salesperson.pk,
            "photos": SimpleUploadedFile("p.png", PNG_BYTES, content_type="image/png"),
        },
    )
    report = VisitReport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "visits:report_detail", args=[report.pk]
    )
    plan.refresh_from_db()
    customer.refresh_from_db()
    assert plan.status == PlanStatus.DONE and customer.last_onsite_visit_on == TODAY
    assert report.attachments.count() == 1 and report.next_steps.get().text == "发报价"
    detail = client_for(salesperson).get(response["Location"])
    assert (
        f'data-clear-draft="visit-report:{salesperson.pk}:{customer.pk}:{plan.pk}"' in detail.content.decode()
    )
    image = client_for(salesperson).get(reverse("visits:attachment", args=[report.attachments.get().pk]))
    assert image.status_code == 200 and image["Content-Type"] == "image/png"


def test_errors_keep_every_field(client_for, salesperson, customer, frozen):
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    response = client_for(salesperson).post(
        NEW_REPORT,
        {
            "customer": customer.pk,
            "visited_on": tomorrow,
            "mode": VisitMode.PHONE,
            "latest_needs": "换型号的需求",
            "opinions": "交期太长",
            "step_0_text": "回电",
            "step_0_owner": salesperson.pk,
            "step_1_owner": salesperson.pk,
            "step_2_owner": salesperson.pk,
        },
    )
    body = response.content.decode()
    assert response.status_code == 200 and not VisitReport.objects.exists()
    for kept in (
        "换型号的需求",
        "交期太长",
        'value="回电"',
        f'value="{tomorrow}"',
        'id="id_mode_1" required checked',
    ):
        assert kept in body
    assert 'data-draft-bound="1"' in body


# --- Visibility by id ------------------------------------------------------------------------


def test_another_salespersons_records_are_404(client_for, salesperson, other_salesperson, customer, frozen):
    plan = make_plan(salesperson, customer)
    report = make_report(salesperson, customer, next_steps=[{"text": "x", "due_on": TODAY}])
    client = client_for(other_salesperson)
    assert client.get(reverse("visits:plan_detail", args=[plan.pk])).status_code == 404
    assert client.get(reverse("visits:report_detail", args=[report.pk])).status_code == 404
    assert client.get(NEW_REPORT, {"customer": customer.pk}).status_code == 404
    assert client.get(reverse("visits:plan_create"), {"customer": customer.pk}).status_code == 404
    assert (
        client.post(
            NEW_REPORT, {"customer": customer.pk, "visited_on": TODAY.isoformat(), "mode": "onsite"}
        ).status_code
        == 404
    )
    assert client.post(reverse("visits:plan_confirm", args=[plan.pk])).status_code == 404
    assert client.post(reverse("visits:plan_cancel", args=[plan.pk])).status_code == 404
    assert client.post(reverse("visits:next_step_done", args=[report.next_steps.get().pk])).status_code == 404
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PLANNED


def test_plan_create_and_confirm_through_the_screens(client_for, salesperson, customer, frozen):
    client = client_for(salesperson)
    response = client.post(
        reverse("visits:plan_create"),
        {
            "customer": customer.pk,
            "purpose": "年度回顾",
            "planned_at": "2026-06-18T09:30",
            "visitors": [salesperson.pk],
        },
    )
    plan = VisitPlan.objects.get()
    assert response.status_code == 302 and plan.purpose == "年度回顾"
    client.post(reverse("visits:plan_confirm", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CONFIRMED


def test_blacklisted_customer_offers_no_plan_form(client_for, salesperson, customer, frozen):
    Customer.objects.filter(pk=customer.pk).update(
        is_blacklisted=True, blacklisted_until=TODAY + timedelta(days=30)
    )
    response = client_for(salesperson).get(reverse("visits:plan_create"), {"customer": customer.pk})
    assert 'data-testid="plan-form"' not in response.content.decode()


# --- Manager view and export -----------------------------------------------------------------


def test_team_view_for_managers_only(
    client_for, salesperson, other_salesperson, manager, south_salesperson, frozen
):
    cadence_customer(salesperson, grade="A", visited_days_ago=70)
    cadence_customer(salesperson, grade="A", visited_days_ago=10)
    cadence_customer(south_salesperson, grade="A", visited_days_ago=70, short_name="南方逾期")
    assert client_for(salesperson).get(TEAM).status_code == 403
    response = client_for(manager).get(TEAM)
    body = response.content.decode()
    summary = response.context["summary"]
    assert (summary["required"], summary["compliant"], summary["overdue"]) == (2, 1, 1)
    assert "50%" in body and "南方逾期" not in body
    assert {r.user.username for r in summary["rows"]} == {"sales1", "sales2"}


def test_team_query_count_does_not_grow_with_rows(
    client_for, salesperson, other_salesperson, manager, frozen
):
    client = client_for(manager)
    populate(salesperson, 10)
    few = query_count(client, TEAM)
    populate(other_salesperson, 90)
    assert query_count(client, TEAM) == few


def test_export_for_assistants_and_managers_formula_safe(
    client_for, salesperson, assistant, customer, south_manager, frozen
):
    from io import BytesIO

    import openpyxl

    make_report(salesperson, customer, latest_needs='=HYPERLINK("http://evil")', opinions="+1 好")
    assert client_for(salesperson).get(reverse("visits:export")).status_code == 403
    response = client_for(assistant).get(reverse("visits:export"))
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2
    cells = [c for c in rows[1] if isinstance(c, str)]
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
    assert customer.name in rows[1]
    south = client_for(south_manager).get(reverse("visits:export"))
    assert len(list(openpyxl.load_workbook(BytesIO(south.content)).active.iter_rows())) == 1


# --- The customer page panel and the 工作台 widget ---------------------------------------------


def test_customer_panel_context_constant_queries(rf, salesperson, frozen, django_assert_num_queries):
    from visits.panels import customer_visits_context

    customer = cadence_customer(salesperson, grade="A", visited_days_ago=70)
    for i in range(5):
        make_plan(salesperson, customer, hours=i + 1)
        make_report(salesperson, customer)
    request = rf.get("/")
    request.user = salesperson
    VisitPolicy.load()
    # policy, plans and reports in one statement (crm.db.read_together), the customer's
    # location (check-in, issue 17)
    with django_assert_num_queries(3):
        ctx = customer_visits_context(request, customer)
    assert ctx["days_overdue"] == 10 and ctx["next_due"] == TODAY - timedelta(days=10)
    assert len(ctx["timeline"]) == 10


def test_workbench_widget_for_salespeople(client_for, salesperson, manager, frozen):
    late = cadence_customer(salesperson, grade="A", visited_days_ago=70, short_name="逾期客户")
    make_plan(salesperson, late)
    body = client_for(salesperson).get(reverse("home")).content.decode()
    assert 'data-testid="visits-widget"' in body and "逾期客户" in body
    assert 'data-testid="visits-widget"' not in client_for(manager).get(reverse("home")).content.decode()


def test_widget_on_another_day_is_empty(client_for, salesperson, frozen):
    c = CustomerFactory(owner=salesperson)
    make_plan(salesperson, c, hours=24 * 3)
    body = client_for(salesperson).get(reverse("home")).content.decode()
    assert "新品介绍" not in body


def test_customer_page_shows_the_visit_timeline(client_for, salesperson, frozen):
    customer = cadence_customer(salesperson, grade="A", visited_days_ago=70)
    make_plan(salesperson, customer)
    make_report(salesperson, customer, latest_needs="要报价")
    body = client_for(salesperson).get(reverse("customers:detail", args=[customer.pk])).content.decode()
    panel = body.split('data-testid="visits-panel"')[1]
    assert "要报价" in panel and "新品介绍" in panel
    assert (TODAY - timedelta(days=10)).isoformat() in panel  # next due date, 10 days overdue
    assert f"{NEW_REPORT}?customer={customer.pk}" in panel


def test_blacklist_mark_on_the_workbench_widget_and_the_drill_list(client_for, salesperson, manager, frozen):
    """§2/§4: a blacklisted customer carries its mark on every page and list that shows it, also
    the plans and next steps written before the blacklisting and the manager's drill-down list."""
    c = cadence_customer(salesperson, grade="A", visited_days_ago=10, short_name="黑名单客户")
    make_plan(salesperson, c)
    make_report(salesperson, c, next_steps=[{"text": "催收货款", "due_on": TODAY}])
    Customer.objects.filter(pk=c.pk).update(is_blacklisted=True, blacklisted_until=TODAY + timedelta(days=90))
    body = client_for(salesperson).get(reverse("home")).content.decode()
    widget = body.split('data-testid="visits-widget"')[1].split("</div>")[0]
    assert widget.count('data-testid="blacklist-mark"') == 2  # the plan of today and the next step
    drill = client_for(manager).get(reverse("dashboard_list", args=["visit-reports"])).content.decode()
    row = next(r for r in drill.split("<tr>") if "黑名单客户" in r or c.name in r)
    assert 'data-testid="blacklist-mark"' in row


def test_english_screens_capitalise_labels_and_draw_no_emoji(client_for, salesperson, customer, frozen):
    """The English UI: labels of the report form and of the plan and report pages start with a
    capital; the photo button carries an SVG icon, not an emoji the phone's font may lack."""
    client = client_for(salesperson)
    client.cookies["django_language"] = "en"
    plan = make_plan(salesperson, customer)
    report = make_report(salesperson, customer, latest_needs="要报价")
    form = client.get(NEW_REPORT, {"customer": customer.pk, "plan": plan.pk}).content.decode()
    for label in (
        "Visit date",
        "Latest needs",
        "Opinions and suggestions",
        "Due date",
        "Owner",
        "Other notes",
    ):
        assert f">{label}</label>" in form, label
    assert "📷" not in form and "<svg" in form
    plan_page = client.get(reverse("visits:plan_detail", args=[plan.pk])).content.decode()
    assert ">Planned date and time</dt>" in plan_page and ">Purpose</dt>" in plan_page
    report_page = client.get(reverse("visits:report_detail", args=[report.pk])).content.decode()
    assert ">Visit date</dt>" in report_page and ">Latest needs</" in report_page


def test_a_return_visit_report_links_back_to_its_complaint(client_for, salesperson, customer, frozen):
    """§6: the 回访 is a visit report linked to the ticket both ways."""
    report = services.visit_report_create(
        author=salesperson,
        customer_id=customer.pk,
        purpose="return_visit",
        reference="complaint:42",
        data={"visited_on": TODAY, "mode": VisitMode.PHONE, "summary": "回访"},
    )
    body = client_for(salesperson).get(reverse("visits:report_detail", args=[report.pk])).content.decode()
    assert f'href="{reverse("complaints:detail", args=[42])}"' in body
    plain = make_report(salesperson, customer)
    assert (
        "/complaints/"
        not in client_for(salesperson)
        .get(reverse("visits:report_detail", args=[plain.pk]))
        .content.decode()
        .split("<main")[1]
    )
