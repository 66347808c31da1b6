"""Indicators as policy data and incidents feeding the evaluation (issue 14, points 4 and 7)."""

from datetime import date

import pytest

from grading import services
from grading.models import Evaluation, GradingPolicy, Indicator

GOOD = {"volume": 95, "payment": 90, "reputation": 90, "loyalty": 85, "growth": 85}


def _incident(actor, customer, kind, on, text="问题"):
    return services.incident_record(
        actor=actor, customer_id=customer.pk, incident_type=kind, occurred_on=on, description=text
    )


# --- 4. Incidents in the period feed the evaluation -----------------------------------------------


@pytest.mark.parametrize("kind", ["late_payment", "overdue_pickup"])
def test_annual_review_a_late_payment_or_pickup_incident_rules_a_out(
    now, b_customer, salesperson, figures, kind
):
    figures(b_customer, year=2025, volume=3_600_000)  # no overdue counts in the figures
    incident = _incident(salesperson, b_customer, kind, date(2025, 8, 1), "第三期货款逾期")
    services.annual_review_open()
    evaluation = Evaluation.objects.get(customer=b_customer)
    assert evaluation.suggested_grade == "B"
    assert [i["id"] for i in evaluation.incidents] == [incident.pk] and evaluation.has_overdue
    assert evaluation.scores["payment"]["deduction"] == 20


def test_an_incident_outside_the_period_does_not_count(now, b_customer, salesperson, figures):
    figures(b_customer, year=2025, volume=3_600_000)
    _incident(salesperson, b_customer, "late_payment", date(2026, 1, 10))  # the review reads 2025
    services.annual_review_open()
    evaluation = Evaluation.objects.get(customer=b_customer)
    assert evaluation.suggested_grade == "A" and evaluation.incidents == []


def test_sheet_contract_failures_lower_reputation_and_the_second_rules_a_out(
    now, b_customer, salesperson, figures
):
    figures(b_customer, year=2025, volume=3_600_000)
    _incident(salesperson, b_customer, "contract", date(2025, 5, 1))
    one = services.evaluation_create(
        actor=salesperson, customer_id=b_customer.pk, period_year=2025, scores=GOOD
    )
    assert one.scores["reputation"] == {"typed": 90, "deduction": 20, "score": 70}
    assert one.score_reputation == 70 and str(one.weighted_score) == "88.00"
    assert one.suggested_grade == "A"  # reputation 70 ≥ 60
    _incident(salesperson, b_customer, "loss", date(2025, 9, 1), "重大损失")
    two = services.evaluation_create(
        actor=salesperson, customer_id=b_customer.pk, period_year=2025, scores=GOOD
    )
    assert two.scores["reputation"]["score"] == 50 and two.suggested_grade == "B"  # below 60 rules A out
    assert [i["type"] for i in two.incidents] == ["contract", "loss"]


def test_sheet_a_late_payment_rules_a_out_whatever_the_scores(now, b_customer, salesperson, figures):
    figures(b_customer, year=2025, volume=3_600_000)
    _incident(salesperson, b_customer, "late_payment", date(2025, 5, 1))
    perfect = dict.fromkeys(GOOD, 100)
    evaluation = services.evaluation_create(
        actor=salesperson, customer_id=b_customer.pk, period_year=2025, scores=perfect
    )
    assert evaluation.scores["payment"]["score"] == 80 and evaluation.suggested_grade == "B"


def test_the_sheet_lists_the_incidents(
    now, b_customer, salesperson, figures, client, django_assert_max_num_queries
):
    figures(b_customer, year=2025, volume=3_600_000)
    _incident(salesperson, b_customer, "contract", date(2025, 5, 1), "未按期履行供货合同")
    evaluation = services.evaluation_create(
        actor=salesperson, customer_id=b_customer.pk, period_year=2025, scores=GOOD
    )
    client.force_login(salesperson)
    with django_assert_max_num_queries(12):
        page = client.get(f"/grading/evaluations/{evaluation.pk}/").content.decode()
    block = page[page.index('data-testid="evaluation-incidents"') :]
    assert "2025-05-01" in block and "未按期履行供货合同" in block
    assert 'data-indicator="reputation"' in page and "−20" in page


# --- 7. Indicators are policy data; each evaluation keeps its set --------------------------------


def test_indicators_edited_by_the_administrator_apply_and_old_sheets_keep_theirs(
    now, b_customer, salesperson, figures
):
    figures(b_customer, year=2025, volume=3_600_000)
    old = services.evaluation_create(
        actor=salesperson, customer_id=b_customer.pk, period_year=2025, scores=GOOD
    )
    policy = GradingPolicy.load()
    Indicator.objects.filter(policy=policy, key="growth").delete()
    Indicator.objects.filter(policy=policy, key="loyalty").update(weight=10, name="合作意愿")
    Indicator.objects.create(
        policy=policy,
        key="delivery",
        name="提货及时",
        weight=10,
        scoring="deductions",
        incident_types=["overdue_pickup"],
        deduction=50,
        a_min_score=None,
        order=9,
    )

    new = services.evaluation_create(
        actor=salesperson,
        customer_id=b_customer.pk,
        period_year=2025,
        scores={k: v for k, v in GOOD.items() if k != "growth"},
    )
    assert [i["key"] for i in new.policy["indicators"]] == [
        "volume",
        "payment",
        "reputation",
        "loyalty",
        "delivery",
    ]
    assert new.scores["delivery"] == {"typed": None, "deduction": 0, "score": 100}
    assert str(new.weighted_score) == str((95 * 40 + 90 * 25 + 90 * 15 + 85 * 10 + 100 * 10) / 100) + "0"
    old.refresh_from_db()
    assert [i["key"] for i in old.policy["indicators"]] == [
        "volume",
        "payment",
        "reputation",
        "loyalty",
        "growth",
    ]
    rows = {r["key"]: r for r in new.indicator_rows()}
    assert rows["loyalty"]["name"] == "合作意愿"


def test_a_missing_score_of_a_scored_indicator_is_refused(now, b_customer, salesperson):
    with pytest.raises(services.GradingError, match="0 to 100"):
        services.evaluation_create(
            actor=salesperson,
            customer_id=b_customer.pk,
            period_year=2025,
            scores={k: v for k, v in GOOD.items() if k != "loyalty"},
        )
    assert not Evaluation.objects.exists()


def test_an_indicator_whose_low_score_rules_a_out_in_a_system_evaluation(
    now, b_customer, salesperson, figures
):
    figures(b_customer, year=2025, volume=3_600_000)
    policy = GradingPolicy.load()
    policy.indicator_list()
    Indicator.objects.filter(policy=policy, key="reputation").update(a_min_score=90)
    _incident(salesperson, b_customer, "crisis", date(2025, 6, 1), "经营危机")
    services.annual_review_open()
    evaluation = Evaluation.objects.get(customer=b_customer)
    assert evaluation.suggested_grade == "B" and evaluation.weighted_score is None


def test_the_evaluation_form_asks_the_scored_indicators_only(now, b_customer, salesperson, client):
    policy = GradingPolicy.load()
    policy.indicator_list()
    Indicator.objects.filter(policy=policy, key="payment").update(scoring="deductions", name="回款记录")
    client.force_login(salesperson)
    page = client.get(f"/grading/customers/{b_customer.pk}/evaluate/").content.decode()
    assert 'name="score_volume"' in page and 'name="score_payment"' not in page
    assert "经营信誉 (15%)" in page
