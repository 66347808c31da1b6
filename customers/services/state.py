"""State of the customer kept for the other apps: they call these; nothing else writes these fields."""

from datetime import date

from django.apps import apps
from django.db.models import Q
from django.utils.translation import gettext as _

from ..models import Customer
from .archive import CustomerError


class GradeChangeRefused(CustomerError):
    """customer_grade_apply was called without an approved grade-change proposal."""


def customer_grade_apply(*, since: date, proposal=None, proposals=None) -> int:
    """Set the grade from approved grade-change proposals (grading.GradeProposal); returns rows changed.

    Only an approved proposal changes a grade (domain §3): every proposal given is re-read
    from the database and must be in state "approved", so a forged or stale object is refused
    (GradeChangeRefused) and nothing is written. Set-based: one check, one UPDATE per target
    grade. Called only by the grading app's services.
    """
    items = [proposal] if proposal is not None else list(proposals or [])
    if not items or any(p is None or not getattr(p, "pk", None) for p in items):
        raise GradeChangeRefused(_("A grade changes only through an approved grade-change proposal."))
    model = type(items[0])
    if model is not apps.get_model("grading", "GradeProposal") or any(type(p) is not model for p in items):
        raise GradeChangeRefused(_("A grade changes only through an approved grade-change proposal."))
    approved = {
        pk: (customer_id, to_grade, to_provisional)
        for pk, customer_id, to_grade, to_provisional in model.objects.filter(
            pk__in=[p.pk for p in items], state="approved"
        ).values_list("pk", "customer_id", "to_grade", "to_provisional")
    }
    if len(approved) != len({p.pk for p in items}):
        raise GradeChangeRefused(_("A grade changes only through an approved grade-change proposal."))
    by_grade: dict[tuple[str, bool], list[int]] = {}
    for customer_id, to_grade, to_provisional in approved.values():
        by_grade.setdefault((to_grade, to_provisional), []).append(customer_id)
    changed = 0
    for (grade, provisional), customer_ids in by_grade.items():
        changed += Customer.objects.filter(pk__in=customer_ids).update(
            grade=grade, grade_since=since, grade_provisional=provisional
        )
    return changed


def customer_blacklist_mark(*, customer_id: int, until: date) -> None:
    """Mark a customer blacklisted until `until`. Called only by the blacklist services."""
    Customer.objects.filter(pk=customer_id).update(is_blacklisted=True, blacklisted_until=until)


def customer_blacklist_clear(*, customer_ids: list[int], readmission_required: bool = True) -> None:
    """Lift the blacklist mark (expiry keeps re-admission required). Called only by blacklist services."""
    Customer.objects.filter(pk__in=customer_ids).update(
        is_blacklisted=False, blacklisted_until=None, readmission_required=readmission_required
    )


def customer_onsite_visit_record(*, customer_id: int, visited_on: date) -> None:
    """Remember the latest on-site visit (cadence, §5). Called only by the visits services."""
    Customer.objects.filter(pk=customer_id).filter(
        Q(last_onsite_visit_on__isnull=True) | Q(last_onsite_visit_on__lt=visited_on)
    ).update(last_onsite_visit_on=visited_on)
