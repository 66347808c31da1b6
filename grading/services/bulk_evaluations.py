"""System evaluations in bulk (the annual review, interim reviews, the six-month evaluation):
one pass over the candidates' rows, the pure rules, one bulk insert (crm.db.copy_insert: COPY on PostgreSQL)."""

import json
from datetime import datetime

from crm import db

from ..models import Evaluation, GradeProposal, ProposalState
from .common import incidents_of_period
from .rules import a_ruled_out_by, grade_suggest, indicator_scores, overdue_incident_counts

BATCH = 2000


def _evaluate(
    rows,
    *,
    kind: str,
    round_,
    default_year: int,
    policy: dict,
    now: datetime,
    reason_code: str,
    reason_params: dict | None = None,
):
    """System evaluations (figures and the period's incidents) for `rows` (an iterable of FIELDS
    tuples), and proposals where the suggestion differs. Returns (the evaluated customer ids, the
    proposals).

    Incidents feed the evaluation (§3): late payments and overdue pickups rule A out like the
    figures' counts, and each lowers the indicators it concerns; an indicator whose low score
    rules A out does so here too (unscored indicators count as 100 less their deductions)."""
    rows = list(rows)
    indicators = policy.get("indicators") or []
    incidents = incidents_of_period(years={r[4] or default_year for r in rows}) if rows else {}
    no_incident_scores = indicator_scores(indicators, typed={}, incidents=[])
    values, pending = [], []
    for pk, dept, grade, provisional, year, volume, receivables, pay, pick, has_open in rows:
        year = year or default_year
        found = incidents.get((pk, year), [])
        scores = indicator_scores(indicators, typed={}, incidents=found) if found else no_incident_scores
        inc_pay, inc_pick = overdue_incident_counts(found)
        suggested = grade_suggest(
            volume=volume,
            overdue_payments=pay + inc_pay,
            overdue_pickups=pick + inc_pick,
            policy=policy,
            a_ruled_out=bool(found and a_ruled_out_by(indicators, scores)),
        )
        values.append((pk, year, volume, receivables, pay, pick, grade, suggested, scores, found))
        if not has_open and (suggested != grade or provisional):
            pending.append((pk, dept, grade, provisional, suggested))
    ids = _evaluations_insert(
        values, kind=kind, round_=round_, policy=policy, now=now, returning={p[0] for p in pending}
    )
    proposals = [
        GradeProposal(
            customer_id=pk,
            from_grade=grade,
            from_provisional=provisional,
            to_grade=suggested,
            reason_code=reason_code,
            reason_params=reason_params or {},
            evaluation_id=ids[pk],
            round=round_,
            proposed_by=None,
            state=ProposalState.PENDING_MANAGER,
            created_at=now,
        )
        for pk, _dept, grade, provisional, suggested in pending
    ]
    GradeProposal.objects.bulk_create(proposals, batch_size=BATCH)
    for p, (_pk, dept, *_rest) in zip(proposals, pending, strict=True):
        p.department_id = dept  # for the notification, without reading customers again
    return [v[0] for v in values], proposals


EVALUATION_COLUMNS = (
    "customer_id",
    "kind",
    "round_id",
    "period_year",
    "business_volume",
    "receivables",
    "overdue_payment_count",
    "overdue_pickup_count",
    "grade_before",
    "suggested_grade",
    "policy",
    "scores",
    "incidents",
    "notes",
    "created_at",
)


def _evaluations_insert(
    values: list[tuple], *, kind: str, round_, policy: dict, now: datetime, returning: set[int]
) -> dict[int, int]:
    """Insert the system evaluations; returns {customer id: evaluation id} for `returning`.

    Through crm.db.copy_insert (COPY on PostgreSQL): the annual review writes ~85,000 rows, and
    bulk_create spent ~20 s building model instances and serialising the policy JSON once per
    row (bench finding 7). The policy, and the scores of the (many) customers without
    incidents, are serialised once."""
    if not values:
        return {}
    encoder = Evaluation._meta.get_field("policy").encoder
    policy_json = json.dumps(policy, cls=encoder)
    shared: dict[int, str] = {}  # id(scores dict) → its JSON: the no-incident scores are one object
    round_id = round_.pk if round_ is not None else None

    def rows():
        for pk, year, volume, receivables, pay, pick, grade, suggested, scores, found in values:
            scores_json = shared.get(id(scores))
            if scores_json is None:
                scores_json = json.dumps(scores, cls=encoder)
                if not found:
                    shared[id(scores)] = scores_json
            yield (
                pk,
                kind,
                round_id,
                year,
                volume,
                receivables,
                pay,
                pick,
                grade,
                suggested,
                policy_json,
                scores_json,
                json.dumps(found) if found else "[]",
                "",
                now,
            )

    db.copy_insert(Evaluation._meta.db_table, EVALUATION_COLUMNS, rows())
    if not returning:
        return {}
    # One evaluation per customer and round (or per customer for the six-month one): constraints.
    inserted = Evaluation.objects.filter(kind=kind, round=round_, created_at=now, customer_id__in=returning)
    return dict(inserted.values_list("customer_id", "pk"))
