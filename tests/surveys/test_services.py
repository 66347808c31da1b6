"""Surveys (§10): rounds choose customers by grade and tier; the one-time link answers once."""

import datetime as dt

import pytest
from django.urls import reverse

from surveys import services
from surveys.models import ResponseSource, SurveyInvitation, SurveyPolicy, SurveyQuestion, SurveyResponse
from surveys.selectors import round_summary
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

TZ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 11, 29, 10, tzinfo=TZ)


def scores(value=4):
    return {q.pk: value for q in SurveyQuestion.objects.filter(is_active=True)}


@pytest.fixture
def round_(salesperson, manager):
    CustomerFactory(owner=salesperson, grade="A", tier="key", name="甲公司")
    CustomerFactory(owner=salesperson, grade="A", tier="ordinary", name="乙公司")
    CustomerFactory(owner=salesperson, grade="C", tier="key", name="丙公司")
    return services.survey_round_open(
        actor=manager,
        department_id=manager.department_id,
        title="2026下半年",
        grades=["A"],
        tiers=["key"],
        closes_on=dt.date(2026, 12, 31),
        now=NOW,
    )


def test_default_questions_are_the_five_of_the_policy():
    assert list(SurveyQuestion.objects.values_list("code", flat=True)) == [
        "quality",
        "price",
        "service",
        "delivery",
        "overall",
    ]


def test_a_round_chooses_customers_by_grade_and_tier(round_):
    assert list(round_.invitations.values_list("customer__name", flat=True)) == ["甲公司"]
    inv = round_.invitations.get()
    assert len(inv.token) >= 30 and str(inv.customer_id) != inv.token
    assert inv.expires_at == NOW + dt.timedelta(days=SurveyPolicy.load().link_valid_days)


def test_a_round_without_customers_is_refused(manager):
    with pytest.raises(services.SurveyError):
        services.survey_round_open(
            actor=manager,
            department_id=manager.department_id,
            title="x",
            grades=["B"],
            tiers=[],
            closes_on=dt.date(2026, 12, 31),
            now=NOW,
        )


def test_the_link_answers_once(round_):
    inv = round_.invitations.get()
    services.survey_link_answer(token=inv.token, scores=scores(5), comment="交货快", now=NOW)
    with pytest.raises(services.SurveyError, match="已经提交"):
        services.survey_link_answer(token=inv.token, scores=scores(1), now=NOW + dt.timedelta(minutes=1))
    response = SurveyResponse.objects.get()
    assert response.source == ResponseSource.LINK and response.round == round_
    assert sorted(response.answers.values_list("score", flat=True)) == [5] * 5


def test_an_expired_link_is_refused(round_):
    inv = round_.invitations.get()
    with pytest.raises(services.SurveyError, match="过期"):
        services.survey_link_answer(token=inv.token, scores=scores(), now=inv.expires_at)
    assert not SurveyResponse.objects.exists()
    # one second earlier it still works
    services.survey_link_answer(
        token=inv.token, scores=scores(), now=inv.expires_at - dt.timedelta(seconds=1)
    )


def test_scores_out_of_scale_write_nothing(round_):
    inv = round_.invitations.get()
    bad = scores()
    bad[next(iter(bad))] = 6
    with pytest.raises(services.SurveyError):
        services.survey_link_answer(token=inv.token, scores=bad, now=NOW)
    inv.refresh_from_db()
    assert inv.answered_at is None and not SurveyResponse.objects.exists()


def test_a_salesperson_records_on_a_return_visit_and_it_answers_the_round(round_, salesperson):
    inv = round_.invitations.get()
    services.survey_response_record(
        actor=salesperson,
        customer_id=inv.customer_id,
        scores=scores(3),
        source=ResponseSource.RETURN_VISIT,
        now=NOW,
    )
    inv.refresh_from_db()
    assert inv.answered_at == NOW
    with pytest.raises(services.SurveyError):
        services.survey_link_answer(token=inv.token, scores=scores(), now=NOW)
    summary = round_summary(round_)
    assert summary["rate"] == 100.0 and summary["overall"] == [3.0] * 5
    assert next(r for r in summary["by_grade"] if r["key"] == "A")["scores"] == [3.0] * 5


def test_the_public_page(client, round_):
    inv = round_.invitations.get()
    url = reverse("surveys:answer", args=[inv.token])
    page = client.get(url)
    assert page.status_code == 200 and "甲公司" in page.content.decode()
    assert "/customers/" not in page.content.decode() and "logout" not in page.content.decode()
    data = {f"q{pk}": 4 for pk in scores()}
    assert client.post(url, data).status_code == 200
    assert client.post(url, data).status_code == 410
    assert client.get(reverse("surveys:answer", args=["no-such-token"])).status_code == 404
    assert SurveyInvitation.objects.get().answered_at is not None


def test_the_public_page_is_rate_limited(client, round_, settings):
    policy = SurveyPolicy.load()
    policy.link_attempts_per_hour = 3
    policy.save()
    from django.core.cache import cache

    cache.clear()
    url = reverse("surveys:answer", args=["guess"])
    statuses = [client.get(url).status_code for _ in range(5)]
    assert statuses == [404, 404, 404, 429, 429]
    cache.clear()
