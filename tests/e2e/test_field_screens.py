"""The daily screens of the field test (issue 14, points 10 and 11) on a 390×844 phone window."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from complaints import services as complaint_services
from complaints.models import Ticket
from grading.models import DemotionCase, GradeProposal, Incident
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)

ESCALATE_CONFIRM = "确定将该投诉升级报总经办吗？"


def test_complaint_confirmation_belongs_to_the_escalate_form_only(
    phone_page, login, live_server, screenshot, salesperson, manager
):
    page = phone_page
    customer = CustomerFactory(
        name="苏州恒达机械有限公司", short_name="恒达机械", owner=salesperson, grade="B"
    )
    ticket = complaint_services.ticket_create(
        actor=salesperson,
        customer_id=customer.pk,
        channel="phone",
        complaint_type="quality",
        description="轴承尺寸超差",
        now=timezone.now() - timedelta(hours=2),
    )
    dialogs = []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()  # 取消: the natural answer

    page.on("dialog", on_dialog)
    login(page, manager)
    page.goto(f"{live_server.url}/complaints/{ticket.pk}/")

    # 记录反馈: no confirmation, the feedback is saved.
    feedback = page.get_by_test_id("feedback-form")
    feedback.locator("textarea[name=fb-content]").fill("已电话告知客户处理进度")
    feedback.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert dialogs == []
    assert "已电话告知客户处理进度" in page.get_by_test_id("feedback-log").inner_text()

    # 上传: no confirmation either.
    upload = page.get_by_test_id("attachment-form")
    upload.locator("input[name=att-file]").set_input_files(
        files=[
            {
                "name": "现场照片.pdf",
                "mimeType": "application/pdf",
                "buffer": b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\n%%EOF\n",
            }
        ]
    )
    upload.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert dialogs == []
    assert ticket.attachments.count() == 1

    # 升级: the confirmation shows; 取消 keeps the typed reason and escalates nothing.
    page.locator("summary.text-danger").click()
    escalate = page.get_by_test_id("escalate-form")
    escalate.locator("input[name=escalate-reason]").fill("客户索赔金额大，影响重大")
    screenshot(page, "field_complaint_escalate_phone")
    escalate.locator("button[type=submit]").click()
    assert dialogs == [ESCALATE_CONFIRM]
    assert escalate.locator("input[name=escalate-reason]").input_value() == "客户索赔金额大，影响重大"
    assert not Ticket.objects.get(pk=ticket.pk).is_major

    # Confirming escalates.
    page.remove_listener("dialog", on_dialog)
    page.once("dialog", lambda d: d.accept())
    escalate.locator("button[type=submit]").click()
    page.wait_for_load_state()
    page.get_by_test_id("major").wait_for()
    assert Ticket.objects.get(pk=ticket.pk).is_major


def test_incident_form_on_a_phone_records_and_opens_the_demotion_case(
    phone_page, login, live_server, screenshot, salesperson, manager
):
    page = phone_page
    customer = CustomerFactory(
        name="杭州华信电子有限公司", short_name="华信电子", owner=salesperson, grade="A"
    )
    login(page, salesperson)
    page.goto(f"{live_server.url}/grading/customers/{customer.pk}/incidents/new/")

    today = timezone.localdate().isoformat()
    assert page.locator("#id_occurred_on").input_value() == today  # ISO: the date input shows it
    assert page.locator("#id_incident_type").input_value() == ""  # an empty choice first
    label = page.locator("label[for=id_description]").inner_text()
    assert "投诉" not in label and label.strip() == "问题描述"
    screenshot(page, "field_incident_form_phone")

    page.select_option("#id_incident_type", "late_payment")
    page.fill("#id_description", "第三期货款逾期20天未付")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/customers/{customer.pk}/"))

    incident = Incident.objects.get(customer=customer)
    assert incident.occurred_on.isoformat() == today and incident.incident_type == "late_payment"
    case = DemotionCase.objects.get(customer=customer, resolved_at__isnull=True)
    assert (case.deadline - case.opened_at) == timedelta(days=5)
    assert GradeProposal.objects.get(customer=customer, incident=incident).from_grade == "A"
    assert page.locator(".alert-warning").filter(has_text="降级").count() == 1
    screenshot(page, "field_incident_recorded_phone")


def test_blacklist_proposal_submitted_with_opinion_and_corrected_loss(
    page, login, live_server, screenshot, salesperson, manager
):
    from blacklist import services as blacklist_services
    from blacklist.models import BlacklistEntry

    customer = CustomerFactory(
        name="温州长丰五金有限公司", short_name="长丰五金", owner=salesperson, grade="C"
    )
    entry = blacklist_services.blacklist_entry_report(
        actor=salesperson,
        customer_id=customer.pk,
        reason_category="payment",
        reason="货款逾期一年未付",
        loss_amount=100_000,
    )
    login(page, manager)
    page.goto(f"{live_server.url}/blacklist/entries/{entry.pk}/")
    form = page.get_by_test_id("submit-form")
    form.locator("textarea[name=comment]").fill("经核实情况属实，同意上报")
    form.locator("input[name=loss_amount]").fill("186000")
    screenshot(page, "field_blacklist_submit_desktop")
    page.get_by_test_id("submit-entry").click()
    page.get_by_test_id("entry-opinion").wait_for()
    entry = BlacklistEntry.objects.get(pk=entry.pk)
    assert entry.submission_comment == "经核实情况属实，同意上报" and entry.loss_amount == 186_000
    assert not entry.awaiting_manager
    screenshot(page, "field_blacklist_submitted_desktop")


def test_evaluation_sheet_lists_incidents_and_the_policy_page_edits_indicators(
    page, phone_page, login, live_server, screenshot, salesperson, administrator
):
    from datetime import date

    from customers.models import YearlyFigure
    from grading import services as grading_services
    from tests.grading.conftest import grant_grading_permissions

    grant_grading_permissions()
    customer = CustomerFactory(
        name="宁波永盛贸易有限公司", short_name="永盛贸易", owner=salesperson, grade="B"
    )
    year = timezone.localdate().year - 1
    YearlyFigure.objects.create(customer=customer, year=year, business_volume=3_600_000)
    grading_services.incident_record(
        actor=salesperson,
        customer_id=customer.pk,
        incident_type="late_payment",
        occurred_on=date(year, 6, 1),
        description="第二期货款逾期15天",
    )
    login(phone_page, salesperson)
    phone_page.goto(f"{live_server.url}/grading/customers/{customer.pk}/evaluate/")
    for name, value in {"volume": 95, "payment": 90, "reputation": 90, "loyalty": 85, "growth": 85}.items():
        phone_page.fill(f"#id_score_{name}", str(value))
    phone_page.locator("main form button[type=submit]").click()
    phone_page.wait_for_url(re.compile(r"/grading/evaluations/\d+/"))
    assert phone_page.get_by_test_id("suggested-grade").inner_text() == "B"
    assert "第二期货款逾期15天" in phone_page.get_by_test_id("evaluation-incidents").inner_text()
    screenshot(phone_page, "field_evaluation_sheet_phone")

    login(page, administrator)
    page.goto(f"{live_server.url}/admin/grading/gradingpolicy/")
    page.wait_for_load_state()
    assert page.locator("input[name=indicators-0-key]").input_value() == "volume"
    screenshot(page, "field_grading_policy_desktop")
