"""The review rounds (§3): the annual review in the policy's window, an interim review (临时评审)
outside it; started by the job or from the 分级评审 page.

Set-based and idempotent like the other jobs (jobs.py, whose candidate reads it shares): one
evaluation per customer and round (a database constraint), so a rerun adds nothing.
"""

from datetime import date, datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.models import User
from crm.services import audit_record
from customers.models import Customer

from ..models import (
    OPEN_STATES,
    Evaluation,
    EvaluationKind,
    GradeProposal,
    GradingPolicy,
    ProposalState,
    ReviewRound,
    RoundKind,
    SystemReason,
    WithdrawalReason,
)
from ..permissions import review_round_start_allowed
from .bulk_evaluations import BATCH, _evaluate
from .common import GradingError, GradingPermissionDenied
from .jobs import FIELDS, _gradable, _notify_managers, _with_figures


def _in_window(policy: GradingPolicy, today: date) -> bool:
    start = (policy.review_opens_month, policy.review_opens_day)
    end = (policy.review_closes_month, policy.review_closes_day)
    return start <= (today.month, today.day) <= end


def review_window_open(*, today: date) -> bool:
    """Is `today` inside the policy's annual review window (a round started now is the annual one)?"""
    return _in_window(GradingPolicy.load(), today)


def _missed_window(policy: GradingPolicy, today: date, since: datetime | None) -> bool:
    """The window opened after the job's last success and before today, and no round of the
    year exists: the job was down then, and opens the round late (§7: late runs catch up)."""
    if since is None:
        return False  # a first run ever does not start a round out of season
    opens_on = date(today.year, policy.review_opens_month, policy.review_opens_day)
    return (
        timezone.localdate(since) < opens_on <= today
        and not ReviewRound.objects.filter(year=today.year, kind=RoundKind.ANNUAL).exists()
    )


def annual_review_open(*, now: datetime | None = None, since: datetime | None = None) -> dict:
    """Job `annual-review` (daily): inside the policy's window (25-30 March) open this year's
    round for every department; after the window, close it. A rerun adds nothing; a run late
    after downtime that missed the window opens the round then, with a window of the same length."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    policy = GradingPolicy.load()
    closed = ReviewRound.objects.filter(closed_at__isnull=True, closes_on__lt=today).update(closed_at=now)
    if not (_in_window(policy, today) or _missed_window(policy, today, since)):
        return {"opened": False, "closed_rounds": closed}
    summary = review_round_open(now=now, actor=None, annual=True)
    return {"opened": True, "closed_rounds": closed, **summary}


def review_round_open(
    *, now: datetime | None = None, actor: User | None = None, annual: bool | None = None
) -> dict:
    """年度评审: evaluate every active, non-blacklisted customer on last year's figures and
    propose a change where the suggestion differs from the grade (§3).

    Started by the job (all departments) or by a manager from the 分级评审 page (their
    department; 总经办: all). Inside the policy's window (or when the job catches up a missed
    window, `annual=True`) it is the year's annual round; outside it, an interim review
    (临时评审), a round of its own: the annual round later evaluates every customer again on the
    final figures, and an interim proposal still open gives way to it (withdrawn, reason kept).
    Idempotent: one evaluation per customer and round (a database constraint), so a second run
    in the same round creates nothing. Set-based: one read with subqueries, bulk inserts.
    Raises GradingError for a user who may not start it or an annual round already closed.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    if actor is not None and not review_round_start_allowed(actor):
        raise GradingPermissionDenied(
            _("Only a manager or the general manager's office may start the annual review.")
        )
    if actor is not None and actor.is_manager and not actor.department_id:
        raise GradingError(_("You belong to no department."))
    policy_obj = GradingPolicy.load()
    policy = policy_obj.snapshot()
    if annual is None:
        annual = _in_window(policy_obj, today)
    opens_on = date(today.year, policy_obj.review_opens_month, policy_obj.review_opens_day)
    closes_on = date(today.year, policy_obj.review_closes_month, policy_obj.review_closes_day)
    if closes_on < today or not annual:
        closes_on = today + (closes_on - opens_on)  # a window of the same length from today
    with transaction.atomic():
        candidates = _gradable().order_by()
        if actor is not None and actor.is_manager:
            candidates = candidates.filter(department_id=actor.department_id)
        if annual:
            round_, created = ReviewRound.objects.get_or_create(
                year=today.year,
                kind=RoundKind.ANNUAL,
                defaults={
                    "period_year": today.year - 1,
                    "opened_at": now,
                    "opened_by": actor,
                    "closes_on": closes_on,
                },
            )
            if not round_.is_open:
                raise GradingError(_("The review round of %(year)d is closed.") % {"year": round_.year})
            superseded = _interim_proposals_supersede(candidates, now=now, actor=actor)
            reason = {
                "reason_code": SystemReason.ANNUAL_REVIEW,
                "reason_params": {"year": round_.year, "period": round_.period_year},
            }
        else:
            round_ = (
                ReviewRound.objects.select_for_update()
                .filter(kind=RoundKind.INTERIM, closed_at__isnull=True, closes_on__gte=today)
                .first()
            )
            created = round_ is None
            if created:
                ReviewRound.objects.filter(kind=RoundKind.INTERIM, closed_at__isnull=True).update(
                    closed_at=now
                )
                round_ = ReviewRound.objects.create(
                    kind=RoundKind.INTERIM,
                    year=today.year,
                    period_year=today.year - 1,
                    opened_at=now,
                    opened_by=actor,
                    closes_on=closes_on,
                )
            superseded = 0
            reason = {
                "reason_code": SystemReason.INTERIM_REVIEW,
                "reason_params": {
                    "date": timezone.localdate(round_.opened_at).isoformat(),
                    "period": round_.period_year,
                },
            }
        # The customers the round evaluated already, read in one indexed query into a set: an
        # anti-join (NOT EXISTS) planned before the statistics know the round's new rows became a
        # nested loop over 85,000 × 85,000 rows on a rerun (bench finding 7).
        evaluated = set(
            Evaluation.objects.filter(round=round_).order_by().values_list("customer_id", flat=True)
        )
        rows = (
            r
            for r in _with_figures(candidates, year=round_.period_year)
            .values_list(*FIELDS)
            .iterator(chunk_size=BATCH)
            if r[0] not in evaluated
        )
        evaluations, proposals = _evaluate(
            rows,
            kind=EvaluationKind.ANNUAL,
            round_=round_,
            default_year=round_.period_year,
            policy=policy,
            now=now,
            **reason,
        )
        notified = _notify_managers(
            proposals,
            now=now,
            key=f"grading-round:{round_.pk}",
            title=gettext_lazy("%(count)d grade changes proposed by the annual review await you")
            if annual
            else gettext_lazy("%(count)d grade changes proposed by an interim review await you"),
        )
        if created or evaluations:  # a rerun that evaluates nobody changes nothing: no audit row
            audit_record(
                actor=actor,
                action="grading.round.opened" if created else "grading.round.extended",
                target=round_,
                after={
                    "kind": round_.kind,
                    "evaluations": len(evaluations),
                    "proposals": len(proposals),
                    "superseded": superseded,
                },
            )
    return {
        "round": round_.year,
        "kind": round_.kind,
        "evaluated": len(evaluations),
        "proposals": len(proposals),
        "notified": notified,
    }


def _interim_proposals_supersede(candidates: QuerySet[Customer], *, now: datetime, actor: User | None) -> int:
    """The annual round replaces the open proposals of interim reviews (made on figures that
    were not final) for the customers it evaluates; the interim rounds close."""
    stale = GradeProposal.objects.filter(
        round__kind=RoundKind.INTERIM,
        state__in=OPEN_STATES,
        customer__in=candidates.values("pk"),
    )
    ids = list(stale.values_list("pk", flat=True))
    GradeProposal.objects.filter(pk__in=ids).update(
        state=ProposalState.WITHDRAWN, decided_at=now, withdrawn_reason=WithdrawalReason.SUPERSEDED
    )
    ReviewRound.objects.filter(kind=RoundKind.INTERIM, closed_at__isnull=True).update(closed_at=now)
    if ids:
        audit_record(
            actor=actor, action="grading.proposal.superseded", target=None, after={"proposals": ids[:1000]}
        )
    return len(ids)
