"""The grading rules of §3 as pure functions: no database, no clock (easy to test at the edges)."""

from decimal import ROUND_HALF_UP, Decimal

from customers.models import Grade

from ..models import GRADE_ORDER

INDICATORS = ("volume", "payment", "reputation", "loyalty", "growth")  # the defaults of §3


def grade_by_volume(volume, *, thresholds: dict) -> str:
    """A ≥ 300万, B ≥ 100万, C ≥ 50万, else D (thresholds from the policy, in 元)."""
    volume = Decimal(volume or 0)
    if volume >= Decimal(thresholds[Grade.A]):
        return Grade.A
    if volume >= Decimal(thresholds[Grade.B]):
        return Grade.B
    if volume >= Decimal(thresholds[Grade.C]):
        return Grade.C
    return Grade.D


def grade_by_score(score, *, min_scores: dict) -> str:
    score = Decimal(score)
    for grade in (Grade.A, Grade.B, Grade.C):
        if score >= Decimal(min_scores[grade]):
            return grade
    return Grade.D


def weighted_score(scores: dict, *, weights: dict) -> Decimal | None:
    """Σ score × weight / 100 over the indicators of `weights`, two decimals; None unless every
    one is scored."""
    if not weights or any(scores.get(k) is None for k in weights):
        return None
    total = sum(Decimal(int(scores[k])) * Decimal(int(w)) for k, w in weights.items()) / Decimal(100)
    return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def indicator_scores(indicators: list[dict], *, typed: dict, incidents: list[dict]) -> dict:
    """Each indicator's score after the incidents of the period (§3: incidents feed the evaluation).

    An incident of one of the indicator's `incident_types` deducts its `deduction` points
    (never below 0). A "manual" indicator starts from the evaluator's score (None when nobody
    typed one: a system evaluation); a "deductions" one from 100.
    Returns {key: {"typed", "deduction", "score"}}.
    """
    out = {}
    for ind in indicators:
        concerned = sum(1 for i in incidents if i["type"] in (ind.get("incident_types") or []))
        deduction = concerned * int(ind.get("deduction") or 0)
        base = typed.get(ind["key"]) if ind.get("scoring", "manual") == "manual" else 100
        score = None if base is None else max(int(base) - deduction, 0)
        out[ind["key"]] = {"typed": typed.get(ind["key"]), "deduction": deduction, "score": score}
    return out


def a_ruled_out_by(indicators: list[dict], scores: dict) -> list[str]:
    """The indicators whose low score rules grade A out (their `a_min_score`, when set).

    An indicator nobody scored (a system evaluation) counts as 100 less its deductions: an
    incident can rule A out even where no person typed a score."""
    out = []
    for ind in indicators:
        minimum = ind.get("a_min_score")
        if minimum is None:
            continue
        row = scores.get(ind["key"], {})
        score = row.get("score")
        if score is None:
            score = 100 - int(row.get("deduction") or 0)
        if score < int(minimum):
            out.append(ind["key"])
    return out


def overdue_incident_counts(incidents: list[dict]) -> tuple[int, int]:
    """Late payments and overdue pickups recorded as incidents: they count like the figures' counts."""
    pay = sum(1 for i in incidents if i["type"] == "late_payment")
    pick = sum(1 for i in incidents if i["type"] == "overdue_pickup")
    return pay, pick


def lower_of(*grades: str) -> str:
    return max(grades, key=lambda g: GRADE_ORDER[g])


def grade_suggest(
    *,
    volume,
    overdue_payments: int,
    overdue_pickups: int,
    score=None,
    policy: dict,
    a_ruled_out: bool = False,
) -> str:
    """The suggested grade (§3): the volume's grade, capped by the weighted score when there is
    one; any overdue payment or pickup in the period (figures or incidents), or an indicator
    whose low score rules A out (`a_ruled_out`), makes it at most B.

    `policy` is a GradingPolicy.snapshot(), so a sheet can be recomputed with the values it used.
    """
    grade = grade_by_volume(volume, thresholds=policy["thresholds"])
    if score is not None:
        grade = lower_of(grade, grade_by_score(score, min_scores=policy["min_scores"]))
    if grade == Grade.A and (overdue_payments or overdue_pickups or a_ruled_out):
        grade = Grade.B
    return grade


def provisional_grade(*, volume, overdue_payments: int, overdue_pickups: int, policy: dict) -> str:
    """暂定等级 of a customer that just became active: the rules on its latest figures, at most B.

    A needs the full approval chain (manager and 总经办) and a track record; a new customer
    cannot have one, so the provisional grade stops at B until the six-month evaluation.
    """
    grade = grade_suggest(
        volume=volume, overdue_payments=overdue_payments, overdue_pickups=overdue_pickups, policy=policy
    )
    return lower_of(grade, Grade.B)


def promotion_needs_gm_office(to_grade: str) -> bool:
    """§3: a change to A is approved by the department manager, then by 总经办 (one rule for the
    approval service, the customer page's step list and the demo data)."""
    return to_grade == Grade.A


def is_demotion_from_a(from_grade: str, to_grade: str) -> bool:
    return from_grade == Grade.A and GRADE_ORDER[to_grade] > GRADE_ORDER[Grade.A]
