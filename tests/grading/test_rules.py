"""The pure rules of §3 at their edges."""

from decimal import Decimal

import pytest

from grading.models import GradingPolicy
from grading.services.rules import grade_by_volume, grade_suggest, provisional_grade, weighted_score

POLICY = {
    "thresholds": {"A": "3000000", "B": "1000000", "C": "500000"},
    "weights": {"volume": 40, "payment": 25, "reputation": 15, "loyalty": 10, "growth": 10},
    "min_scores": {"A": 80, "B": 65, "C": 50},
}


@pytest.mark.parametrize(
    ("volume", "grade"),
    [
        (3_000_000, "A"),
        (2_999_999, "B"),
        (Decimal("2999999.99"), "B"),
        (1_000_000, "B"),
        (999_999, "C"),
        (500_000, "C"),
        (499_999, "D"),
        (0, "D"),
        (None, "D"),
    ],
)
def test_volume_thresholds_at_their_edges(volume, grade):
    assert grade_by_volume(volume, thresholds=POLICY["thresholds"]) == grade
    assert grade_suggest(volume=volume, overdue_payments=0, overdue_pickups=0, policy=POLICY) == grade


@pytest.mark.parametrize(("pay", "pick"), [(1, 0), (0, 1), (3, 2)])
def test_any_overdue_in_the_period_rules_out_a(pay, pick):
    assert grade_suggest(volume=9_000_000, overdue_payments=pay, overdue_pickups=pick, policy=POLICY) == "B"


def test_overdue_does_not_lower_grades_below_a():
    assert grade_suggest(volume=1_500_000, overdue_payments=4, overdue_pickups=1, policy=POLICY) == "B"
    assert grade_suggest(volume=600_000, overdue_payments=4, overdue_pickups=0, policy=POLICY) == "C"


def test_weighted_score_uses_the_policy_weights():
    scores = {"volume": 100, "payment": 80, "reputation": 60, "loyalty": 40, "growth": 20}
    # 100×0.40 + 80×0.25 + 60×0.15 + 40×0.10 + 20×0.10 = 40 + 20 + 9 + 4 + 2
    assert weighted_score(scores, weights=POLICY["weights"]) == Decimal("75.00")
    other = {"volume": 10, "payment": 10, "reputation": 10, "loyalty": 10, "growth": 50}
    assert weighted_score(scores, weights=other) == Decimal("38.00")


def test_weighted_score_needs_every_indicator():
    assert weighted_score({"volume": 100}, weights=POLICY["weights"]) is None


def test_a_low_weighted_score_caps_the_volume_grade():
    assert (
        grade_suggest(
            volume=5_000_000, overdue_payments=0, overdue_pickups=0, score=Decimal("80"), policy=POLICY
        )
        == "A"
    )
    assert (
        grade_suggest(
            volume=5_000_000, overdue_payments=0, overdue_pickups=0, score=Decimal("79.99"), policy=POLICY
        )
        == "B"
    )
    assert (
        grade_suggest(volume=5_000_000, overdue_payments=0, overdue_pickups=0, score=40, policy=POLICY) == "D"
    )
    # A high score never lifts a small customer above its volume.
    assert grade_suggest(volume=100, overdue_payments=0, overdue_pickups=0, score=100, policy=POLICY) == "D"


def test_provisional_grade_stops_at_b():
    assert provisional_grade(volume=8_000_000, overdue_payments=0, overdue_pickups=0, policy=POLICY) == "B"
    assert provisional_grade(volume=600_000, overdue_payments=0, overdue_pickups=0, policy=POLICY) == "C"


@pytest.mark.django_db
def test_policy_defaults_and_snapshot_follow_the_regulations():
    policy = GradingPolicy.load()
    snapshot = policy.snapshot()
    indicators = snapshot.pop("indicators")
    assert snapshot == POLICY | {"thresholds": {"A": "3000000.00", "B": "1000000.00", "C": "500000.00"}}
    assert [(i["key"], i["name"], i["weight"]) for i in indicators] == [
        ("volume", "业务量", 40),
        ("payment", "付款记录", 25),
        ("reputation", "经营信誉", 15),
        ("loyalty", "忠诚度", 10),
        ("growth", "发展潜力", 10),
    ]
    assert (policy.review_opens_month, policy.review_opens_day, policy.review_closes_day) == (3, 25, 30)
    assert policy.demotion_days == 5 and policy.new_customer_evaluation_months == 6
    policy.full_clean()


@pytest.mark.django_db
def test_policy_weights_must_add_up_to_100(administrator, client):
    """The weights live on the indicator rows; the admin's formset checks their sum."""
    policy = GradingPolicy.load()
    rows = policy.indicator_list()
    data = {
        "indicators-TOTAL_FORMS": str(len(rows)),
        "indicators-INITIAL_FORMS": str(len(rows)),
        "threshold_a": "3000000",
        "threshold_b": "1000000",
        "threshold_c": "500000",
        "min_score_a": "80",
        "min_score_b": "65",
        "min_score_c": "50",
        "review_opens_month": "3",
        "review_opens_day": "25",
        "review_closes_month": "3",
        "review_closes_day": "30",
        "demotion_days": "5",
        "new_customer_evaluation_months": "6",
    }
    for n, ind in enumerate(rows):
        data |= {
            f"indicators-{n}-id": str(ind.pk),
            f"indicators-{n}-policy": str(policy.pk),
            f"indicators-{n}-order": str(n),
            f"indicators-{n}-key": ind.key,
            f"indicators-{n}-name": ind.name,
            f"indicators-{n}-weight": str(ind.weight),
            f"indicators-{n}-scoring": ind.scoring,
            f"indicators-{n}-deduction": str(ind.deduction),
        }
    data["indicators-4-weight"] = "20"  # 110 in all
    client.force_login(administrator)
    url = f"/admin/grading/gradingpolicy/{policy.pk}/change/"
    response = client.post(url, data)
    assert response.status_code == 200 and "110" in response.content.decode()
    assert [i.weight for i in policy.indicator_list()] == [40, 25, 15, 10, 10]
    data["indicators-0-weight"] = "30"  # 100 again: saved
    assert client.post(url, data).status_code == 302
    assert [i.weight for i in policy.indicator_list()] == [30, 25, 15, 10, 20]
