"""Surveys and reports in a browser: a customer answers on a phone through the link; a manager
submits the quarterly complaint analysis and 总经办 approves it; a salesperson writes a 回访 report
with its satisfaction on a phone (also offline); a manager edits the year's plan on a phone; each
form prints and its PDF is downloaded and read."""

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


def test_a_salesperson_writes_a_return_visit_with_its_satisfaction_on_a_phone(
    browser, live_server, salesperson
):
    """§10 on a 390×844 phone: the 回访 report asks the survey's questions as big buttons; without
    scores it is refused; written offline, the queued draft carries the answers to the server."""
    from surveys.models import SurveyQuestion
    from visits.models import VisitReport

    from .test_phone import log_in, phone_context, shot, wait_for_worker

    customer = CustomerFactory(
        owner=salesperson, grade="A", name="宁波海天塑机有限公司", short_name="海天塑机"
    )
    questions = list(SurveyQuestion.objects.filter(is_active=True))
    context = phone_context(browser)
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server.url, salesperson)
    form_url = f"{live_server.url}/visits/reports/new/?customer={customer.pk}"
    page.goto(form_url)
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()
    wait_for_worker(page)

    satisfaction = page.get_by_test_id("satisfaction")
    assert not satisfaction.is_visible()  # a customer visit asks nothing
    page.click('label[for="id_purpose_1"]')  # 回访
    assert satisfaction.is_visible()
    button = page.locator(f'label[for="id_satisfaction_{questions[0].pk}_4"]').bounding_box()
    assert button["height"] >= 44 and button["width"] >= 44
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.fill("#id_opinions", "对交期基本满意")
    page.click('[data-testid="report-submit"]')
    page.wait_for_load_state()
    assert page.get_by_test_id("satisfaction").locator("text=请打分").count() == len(questions)
    assert VisitReport.objects.count() == 0
    assert page.input_value("#id_opinions") == "对交期基本满意"

    context.set_offline(True)
    for i, q in enumerate(questions):
        page.click(f'label[for="id_satisfaction_{q.pk}_{4 - i % 2}"]')  # 5, 4, 5, 4, 5
    page.fill("#id_satisfaction_comment", "希望缩短交货期")
    shot(page, "phone_return_visit_satisfaction")
    page.click('[data-testid="report-submit"]')
    page.locator('[data-testid="draft-queued"]').wait_for(state="visible")
    assert VisitReport.objects.count() == 0
    page.close()

    context.set_offline(False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/visits/")
    page.locator('[data-testid="draft-sent"]').wait_for(state="visible")
    report = VisitReport.objects.get()
    response = SurveyResponse.objects.get(visit_report_id=report.pk)
    assert report.purpose == "return_visit" and response.source == "return_visit"
    assert response.comment == "希望缩短交货期"
    assert [a.score for a in response.answers.order_by("question__order")] == [5, 4, 5, 4, 5][
        : len(questions)
    ]
    page.goto(f"{live_server.url}/visits/reports/{report.pk}/")
    assert page.get_by_test_id("report-satisfaction").locator("li").count() == len(questions) + 1
    shot(page, "phone_return_visit_detail")
    context.close()


def test_a_manager_edits_the_years_plan_on_a_phone(
    phone_page, login, live_server, screenshot, manager, salesperson
):
    """§11: the department head sets targets in a table of inputs; plan against actual follows."""
    from reports.models import DevelopmentPlan

    year = timezone.localdate().year
    for _ in range(2):
        CustomerFactory(owner=salesperson, grade="A", province="浙江省")
    page = login(phone_page, manager)
    page.goto(f"{live_server.url}/reports/plan/")
    assert "尚无开发计划" in page.content()  # no plan yet
    page.get_by_test_id("plan-edit").click()
    page.get_by_test_id("plan-form").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    grade_a = page.get_by_test_id("plan-group-grade").get_by_test_id("plan-row").first
    grade_a.locator("input[name$=target_count]").fill("4")
    region = page.get_by_test_id("plan-group-region").get_by_test_id("plan-row").first
    region.locator("select").select_option("浙江省")
    region.locator("input[name$=target_share]").fill("50")
    page.get_by_test_id("plan-group-new_customers").get_by_test_id("plan-row").first.locator(
        "input[name$=target_count]"
    ).fill("3")
    page.fill("#id_notes", "重点开发浙江市场")
    screenshot(page, "plan-edit-phone")
    page.get_by_test_id("plan-save").click()
    page.get_by_test_id("plan-table").wait_for()
    plan = DevelopmentPlan.objects.get(department=manager.department, year=year)
    assert sorted(plan.targets.values_list("dimension", "key")) == [
        ("grade", "A"),
        ("new_customers", str(salesperson.pk)),
        ("region", "浙江省"),
    ]
    screenshot(page, "plan-against-actual-phone")
    actual = page.get_by_test_id("plan-table").locator("tr", has_text="浙江省").get_by_test_id("plan-actual")
    assert actual.inner_text() == "2"
    actual.click()
    assert page.get_by_test_id("plan-customer").count() == 2


def _pdf_text(path) -> str:
    with open(path, "rb") as f:
        return "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(f.read())).pages).replace(
            "\n", ""
        )


def test_each_form_prints_and_its_pdf_reads_back(
    page, login, live_server, screenshot, salesperson, manager, gm_office
):
    """§12: 客户质量等级评估表, 客户拜访报告, 投诉受理单 and 黑名单报表 open as A4 pages in the browser
    and download as PDFs whose text carries the Chinese title."""
    from django.urls import reverse

    from tests.trust.world import build

    world = build(salesperson, manager, gm_office, tag="本人")
    login(page, manager)
    for name, key, title in (
        ("reports:evaluation_print", "evaluation", "客户质量等级评估表"),
        ("reports:visit_report_print", "report", "客户拜访报告"),
        ("reports:ticket_print", "ticket", "投诉受理单"),
    ):
        page.goto(live_server.url + reverse(name, args=[world[key]]))
        assert page.locator("h1").inner_text() == title
        assert "审批签字" in page.content()
        screenshot(page, f"print-{key}")
        with page.expect_download() as download:
            page.get_by_test_id("print-pdf").click()
        text = _pdf_text(download.value.path())
        assert title in text and "本人主客户有限公司" in text, name
    page.goto(live_server.url + reverse("blacklist:report"))
    with page.expect_download() as download:
        page.get_by_test_id("blacklist-pdf").click()
    assert "客户黑名单报表" in _pdf_text(download.value.path())
