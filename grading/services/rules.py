"""The grading rules of §3 as pure functions: no database, no clock (easy to test at the edges)."""

from decimal import ROUND_HALF_UP, Decimal

from ..models import GRADE_ORDER

INDICATORS = ("volume", "payment", "reputation", "loyalty", "growth")


def grade_by_volume(volume, *, thresholds: dict) -> str:
    """A ≥ 300万, B ≥ 100万, C ≥ 50万, else D (thresholds from the policy, in 元)."""
    volume = Decimal(volume or 0)
    if volume >= Decimal(thresholds["A"]):
        return "A"
    if volume >= Decimal(thresholds["B"]):
        return "B"
    if volume >= Decimal(thresholds["C"]):
        return "C"
    return "D"


def grade_by_score(score, *, min_scores: dict) -> str:
    score = Decimal(score)
    for grade in ("A", "B", "C"):
        if score >= Decimal(min_scores[grade]):
            return grade
    return "D"


def weighted_score(scores: dict, *, weights: dict) -> Decimal | None:
    """Σ score × weight / 100, two decimals; None unless every indicator is scored."""
    if any(scores.get(k) is None for k in INDICATORS):
        return None
    total = sum(Decimal(int(scores[k])) * Decimal(int(weights[k])) for k in INDICATORS) / Decimal(100)
    return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def lower_of(*grades: str) -> str:
    return max(grades, key=lambda g: GRADE_ORDER[g])


def grade_suggest(*, volume, overdue_payments: int, overdue_pickups: int, score=None, policy: dict) -> str:
    """The suggested grade (§3): the volume's grade, capped by the weighted score when there is
    one; any overdue payment or pickup in the period rules out A (at most B).

    `policy` is a GradingPolicy.snapshot(), so a sheet can be recomputed with the values it used.
    """
    grade = grade_by_volume(volume, thresholds=policy["thresholds"])
    if score is not None:
        grade = lower_of(grade, grade_by_score(score, min_scores=policy["min_scores"]))
    if grade == "A" and (overdue_payments or overdue_pickups):
        grade = "B"
    return grade


def provisional_grade(*, volume, overdue_payments: int, overdue_pickups: int, policy: dict) -> str:
    """暂定等级 of a customer that just became active: the rules on its latest figures, at most B.

    A needs the full approval chain (manager and 总经办) and a track record; a new customer
    cannot have one, so the provisional grade stops at B until the six-month evaluation.
    """
    grade = grade_suggest(volume=volume, overdue_payments=overdue_payments, overdue_pickups=overdue_pickups, policy=policy)
    return lower_of(grade, "B")


def is_demotion_from_a(from_grade: str, to_grade: str) -> bool:
    return from_grade == "A" and GRADE_ORDER[to_grade] > GRADE_ORDER["A"]
