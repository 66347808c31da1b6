"""Surveys and reports in a browser: a customer answers on a phone through the link; a manager
submits the quarterly complaint analysis and 总经办 approves it; a form's PDF is downloaded and read."""

import io

import pypdf
import pytest
from django.utils import timezone

from reports import services as report_services
from reports.models import Report, ReportStatus
from surveys import services as survey_services
from surveys.models import SurveyResponse
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _policy_rows(transactional_db):
    """The report kinds and survey questions are data-migration rows: an earlier transactional
    test's flush removed them."""
    from tests.conftest import _rerun_data_migrations

    _rerun_data_migrations()


def test_a_customer_answers_the_survey_on_a_phone(phone_page, live_server, screenshot, salesperson, manager):
    CustomerFactory(owner=salesperson, grade="A", name="杭州精密轴承有限公司")
    round_ = survey_services.survey_round_open(
        actor=manager,
        department_id=manager.department_id,
        title="下半年调查",
        grades=["A"],
        tiers=[],
        closes_on=timezone.localdate(),
        now=timezone.now(),
    )
    token = round_.invitations.get().token
    page = phone_page
    page.goto(f"{live_server.url}/surveys/s/{token}/")
    assert "杭州精密轴承有限公司" in page.content()
    assert page.locator("a[href]").count() == 0  # nothing else reachable from the link
    assert page.get_by_test_id("question").count() == 5
    screenshot(page, "survey-phone-form")
    page.get_by_test_id("survey-submit").click()
    page.wait_for_load_state()
    assert "请打分" in page.content()  # nothing chosen: refused, nothing written
    assert not SurveyResponse.objects.exists()
    for i, question in enumerate(page.get_by_test_id("question").all()):
        question.locator("label", has_text=str(5 - i % 2)).click()
    page.fill("textarea[name=comment]", "交货及时，服务周到")
    page.get_by_test_id("survey-submit").click()
    page.get_by_test_id("survey-thanks").wait_for()
    screenshot(page, "survey-phone-thanks")
    response = SurveyResponse.objects.get()
    assert response.comment == "交货及时，服务周到"
    assert sorted(response.answers.values_list("score", flat=True)) == [4, 4, 5, 5, 5]
    page.goto(f"{live_server.url}/surveys/s/{token}/")
    assert page.get_by_test_id("survey-closed").is_visible()


def test_manager_submits_the_complaint_analysis_and_gm_office_approves(
    page, live_server, login, screenshot, browser, manager, gm_office, salesperson
):
    report_services.reports_create_due(now=timezone.now())
    report = Report.objects.get(kind__code="complaint_quarterly", department=manager.department)
    login(page, manager)
    page.goto(f"{live_server.url}/reports/")
    page.get_by_role("link", name="客户投诉季度分析").first.click()
    page.fill("#id_commentary", "本季度质量投诉两起，均已按期处理。")
    page.fill("#id_measures", "加严来料检验。")
    screenshot(page, "report-manager-draft")
    page.get_by_test_id("report-submit").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("report-status").inner_text() == "已提交"

    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 800}
    )
    gm_page = context.new_page()
    login(gm_page, gm_office)
    gm_page.goto(f"{live_server.url}/reports/{report.pk}/")
    gm_page.fill("#id_comment", "同意。")
    gm_page.get_by_test_id("report-approve").click()
    gm_page.wait_for_load_state()
    assert gm_page.get_by_test_id("report-status").inner_text() == "已批准"
    screenshot(gm_page, "report-gm-approved")
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED and report.reviewed_by == gm_office

    with gm_page.expect_download() as download:
        gm_page.get_by_test_id("pdf-link").click()
    with open(download.value.path(), "rb") as f:
        text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(f.read())).pages).replace(
            "\n", ""
        )
    assert "客户投诉季度分析" in text and "本季度质量投诉两起" in text and "审批签字" in text
    gm_page.goto(f"{live_server.url}/reports/{report.pk}/print/")
    screenshot(gm_page, "report-print-a4")
    context.close()
