"""§10: every return visit (回访) records the customer's satisfaction, in the visit report itself.

The answers are a survey response linked to the report, written in the report's transaction:
they answer the customer's open round (its response rate) and count in the half-yearly figures.
A complaint's 回访 keeps its satisfaction on the ticket (§6) and asks none here.
"""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from engagement.models import ContactRecord
from surveys import services as survey_services
from surveys.models import ResponseSource, SurveyQuestion, SurveyResponse
from surveys.selectors import department_satisfaction, round_summary
from tests.factories import CustomerFactory
from visits import services
from visits.models import VisitMode, VisitPurpose, VisitReport

from .conftest import NOW, TODAY

pytestmark = pytest.mark.django_db

NEW_REPORT = reverse("visits:report_create")


def questions():
    return list(SurveyQuestion.objects.filter(is_active=True))


def answers(*values):
    qs = questions()
    values = values or (4,) * len(qs)
    return {"scores": {q.pk: v for q, v in zip(qs, values, strict=True)}, "comment": "交货再快一点"}


def return_visit(user, customer, satisfaction, **kwargs):
    return services.visit_report_create(
        author=user,
        customer_id=customer.pk,
        purpose=VisitPurpose.RETURN_VISIT,
        data={"visited_on": TODAY, "mode": VisitMode.ONSITE, "opinions": "满意"},
        satisfaction=satisfaction,
        now=NOW,
        **kwargs,
    )


@pytest.fixture
def open_round(manager, customer):
    return survey_services.survey_round_open(
        actor=manager,
        department_id=manager.department_id,
        title="2026上半年",
        grades=[],
        tiers=[],
        closes_on=TODAY + timedelta(days=30),
        now=NOW,
    )


def nothing_written():
    return not (
        VisitReport.objects.exists() or SurveyResponse.objects.exists() or ContactRecord.objects.exists()
    )


def test_a_return_visit_without_satisfaction_is_refused_in_chinese(salesperson, customer, frozen):
    with translation.override("zh-hans"), pytest.raises(services.VisitError) as exc:
        return_visit(salesperson, customer, None)
    assert str(exc.value) == "回访须记录客户满意度：请为每一项打分。"
    assert nothing_written()


@pytest.mark.parametrize("bad", [0, 6, None])
def test_a_missing_or_out_of_scale_score_writes_nothing(salesperson, customer, frozen, bad):
    sat = answers()
    first = questions()[0]
    if bad is None:
        del sat["scores"][first.pk]
    else:
        sat["scores"][first.pk] = bad
    with pytest.raises(services.VisitError) as exc:
        return_visit(salesperson, customer, sat)
    assert first.text in str(exc.value)
    assert nothing_written()


def test_a_failing_answer_rolls_the_report_back(salesperson, customer, frozen, monkeypatch):
    """Report and answers in one transaction: no report without its satisfaction."""

    def refuse(**kwargs):
        assert VisitReport.objects.filter(pk=kwargs["visit_report_id"]).exists()
        raise survey_services.SurveyError("本轮已答")

    monkeypatch.setattr(services, "survey_response_record", refuse)
    with pytest.raises(services.VisitError, match="本轮已答"):
        return_visit(salesperson, customer, answers())
    assert nothing_written()


def test_the_answer_is_a_survey_response_linked_to_the_report(salesperson, customer, frozen):
    report = return_visit(salesperson, customer, answers(5, 4, 3, 4, 5))
    response = SurveyResponse.objects.get()
    assert (response.visit_report_id, response.source, response.customer_id) == (
        report.pk,
        ResponseSource.RETURN_VISIT,
        customer.pk,
    )
    assert response.recorded_by == salesperson and response.comment == "交货再快一点"
    assert [a.score for a in response.answers.order_by("question__order")] == [5, 4, 3, 4, 5]


def test_it_answers_the_open_round_and_counts_in_the_half_year(salesperson, customer, open_round, frozen):
    return_visit(salesperson, customer, answers(3, 3, 3, 3, 3))
    invitation = open_round.invitations.get(customer=customer)
    assert invitation.answered_at == NOW
    summary = round_summary(open_round)
    assert summary["rate"] == 100.0 and summary["overall"] == [3.0] * 5
    half = department_satisfaction(
        department_id=customer.department_id,
        start=datetime(2026, 1, 1, tzinfo=NOW.tzinfo),
        end=datetime(2026, 7, 1, tzinfo=NOW.tzinfo),
    )
    assert half["answered"] == 1 and half["overall"] == [3.0] * 5


def test_a_complaints_return_visit_keeps_the_tickets_satisfaction(salesperson, customer, frozen):
    report = services.visit_report_create(
        author=salesperson,
        customer_id=customer.pk,
        purpose=VisitPurpose.RETURN_VISIT,
        reference="complaint:42",
        data={"visited_on": TODAY, "mode": VisitMode.PHONE, "summary": "TS · 4/5"},
        now=NOW,
    )
    assert report.purpose == VisitPurpose.RETURN_VISIT and not SurveyResponse.objects.exists()


def test_a_customer_visit_asks_no_satisfaction(salesperson, customer, frozen):
    services.visit_report_create(
        author=salesperson, customer_id=customer.pk, data={"visited_on": TODAY}, now=NOW
    )
    assert VisitReport.objects.count() == 1 and not SurveyResponse.objects.exists()


def test_gm_office_records_the_satisfaction_of_its_return_visit(gm_office, salesperson, frozen):
    """§9: the vice-president in charge makes on-site return visits to strategic customers."""
    strategic = CustomerFactory(owner=salesperson, grade="A", tier="strategic")
    report = return_visit(gm_office, strategic, answers())
    assert SurveyResponse.objects.get().visit_report_id == report.pk


# --- the form, on a phone -----------------------------------------------------------------------


def post_data(customer, user, **extra):
    data = {
        "customer": customer.pk,
        "visited_on": TODAY.isoformat(),
        "mode": VisitMode.ONSITE,
        "step_0_owner": user.pk,
        "step_1_owner": user.pk,
        "step_2_owner": user.pk,
    }
    data.update(extra)
    return data


def test_the_form_asks_the_surveys_questions_as_big_buttons(client_for, salesperson, customer, frozen):
    body = client_for(salesperson).get(f"{NEW_REPORT}?customer={customer.pk}&purpose=return_visit")
    html = body.content.decode()
    assert 'value="return_visit" class="btn-check" autocomplete="off" id="id_purpose_1" checked' in html
    assert 'data-testid="satisfaction"' in html
    for q in questions():
        assert q.text in html
        assert f'name="satisfaction_{q.pk}" value="5" class="btn-check"' in html


def test_the_form_saves_report_and_answers(client_for, salesperson, customer, frozen):
    scores = {f"satisfaction_{q.pk}": "4" for q in questions()}
    response = client_for(salesperson).post(
        NEW_REPORT,
        post_data(customer, salesperson, purpose="return_visit", satisfaction_comment="价格偏高", **scores),
    )
    report = VisitReport.objects.get()
    assert response.status_code == 302 and report.purpose == VisitPurpose.RETURN_VISIT
    answer = SurveyResponse.objects.get(visit_report_id=report.pk)
    assert answer.comment == "价格偏高" and {a.score for a in answer.answers.all()} == {4}
    detail = client_for(salesperson).get(response["Location"]).content.decode()
    assert 'data-testid="report-satisfaction"' in detail and "价格偏高" in detail
    assert 'data-testid="record-satisfaction"' not in detail


def test_the_form_without_scores_keeps_every_field(client_for, salesperson, customer, frozen):
    client = client_for(salesperson)
    response = client.post(
        NEW_REPORT, post_data(customer, salesperson, purpose="return_visit", latest_needs="要新样品")
    )
    html = response.content.decode()
    assert response.status_code == 200 and not VisitReport.objects.exists()
    assert "要新样品" in html and html.count("请打分。") == len(questions())


def test_a_customer_visit_ignores_scores(client_for, salesperson, customer, frozen):
    one = questions()[0]
    response = client_for(salesperson).post(
        NEW_REPORT, post_data(customer, salesperson, purpose="regular", **{f"satisfaction_{one.pk}": "2"})
    )
    assert response.status_code == 302 and not SurveyResponse.objects.exists()


def test_an_old_draft_without_a_kind_is_a_customer_visit(client_for, salesperson, customer, frozen):
    """An offline draft queued before the choice existed is still accepted as it was."""
    response = client_for(salesperson).post(NEW_REPORT, post_data(customer, salesperson))
    assert response.status_code == 302 and VisitReport.objects.get().purpose == VisitPurpose.REGULAR
