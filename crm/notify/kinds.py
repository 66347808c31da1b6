"""Every notification kind: its Chinese label, its default delivery and its group.

A reminder (something to do, one per customer and period) defaults to the daily digest; an
escalation, an approval waiting for the person, a decision on their own proposal and a lockout
are immediate. A kind missing here is treated as immediate (never lost), and
tests/crm/test_notify_kinds.py fails until every kind used in the code is registered.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

IMMEDIATE = "immediate"
DIGEST = "digest"


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    delivery: str
    group: str


GROUPS = {
    "visits": _("Visits"),
    "customers": _("Customer archive"),
    "complaints": _("Complaints"),
    "grading": _("Grading"),
    "blacklist": _("Blacklist"),
    "engagement": _("Contacts and care"),
    "sales": _("Agreements and payments"),
    "reports": _("Reports"),
    "system": _("System"),
}

# The kind of the daily digest itself (immediate: it is the message that gathers the others).
DIGEST_KIND = "digest"

_KINDS = [
    # Reminders: gathered into the daily digest by default.
    Kind("visit_overdue", _("On-site visits overdue"), DIGEST, "visits"),
    Kind("visit_overdue_manager", _("Overdue visits in my department"), DIGEST, "visits"),
    Kind("visits_plan_missed", _("Visit plans missed"), DIGEST, "visits"),
    Kind("archive_update", _("Archives to confirm"), DIGEST, "customers"),
    Kind("customers_document_expiring", _("Documents expiring"), DIGEST, "customers"),
    Kind("blacklist_expired", _("Blacklist entries expired"), DIGEST, "blacklist"),
    Kind("engagement_cadence_due", _("Contacts due"), DIGEST, "engagement"),
    Kind("engagement_cadence_overdue", _("Contacts overdue"), DIGEST, "engagement"),
    Kind("engagement_greeting", _("Greetings to send"), DIGEST, "engagement"),
    Kind("sales_instalment_due", _("Instalments due"), DIGEST, "sales"),
    Kind("sales_payment_overdue", _("Payments overdue"), DIGEST, "sales"),
    Kind("reports_due", _("Reports due"), DIGEST, "reports"),
    Kind("surveys_round_due", _("Satisfaction surveys due"), DIGEST, "reports"),
    Kind("reports_overdue", _("Reports overdue"), DIGEST, "reports"),
    # Escalations, approvals waiting, decisions: immediate.
    Kind("complaint_overdue", _("Complaint deadline passed"), IMMEDIATE, "complaints"),
    Kind("complaint_major", _("Major complaint"), IMMEDIATE, "complaints"),
    Kind("complaint_received", _("Complaint received"), IMMEDIATE, "complaints"),
    Kind("complaint_assigned", _("Complaint assigned to me"), IMMEDIATE, "complaints"),
    Kind("complaint_resolved", _("Complaint resolved"), IMMEDIATE, "complaints"),
    Kind("grading_approval", _("Grade changes waiting for approval"), IMMEDIATE, "grading"),
    Kind("grading_decision", _("Decision on my grade proposal"), IMMEDIATE, "grading"),
    Kind("grading_demotion", _("Demotion proposed"), IMMEDIATE, "grading"),
    Kind("grading_demotion_overdue", _("Demotion not decided in time"), IMMEDIATE, "grading"),
    Kind("grading_serious_incident", _("Serious incident"), IMMEDIATE, "grading"),
    Kind("blacklist_proposed", _("Blacklisting waiting for approval"), IMMEDIATE, "blacklist"),
    Kind("blacklist_reported", _("Blacklisting reported"), IMMEDIATE, "blacklist"),
    Kind("blacklist_decided", _("Decision on a blacklisting"), IMMEDIATE, "blacklist"),
    Kind("blacklist_readmission", _("Re-admission waiting for approval"), IMMEDIATE, "blacklist"),
    Kind("blacklist_readmitted", _("Customer re-admitted"), IMMEDIATE, "blacklist"),
    Kind("blacklist_readmission_rejected", _("Re-admission rejected"), IMMEDIATE, "blacklist"),
    Kind("engagement_tier_approval", _("Tier change waiting for approval"), IMMEDIATE, "engagement"),
    Kind("engagement_tier_decision", _("Decision on my tier proposal"), IMMEDIATE, "engagement"),
    Kind("sales_agreement_approval", _("Agreement waiting for approval"), IMMEDIATE, "sales"),
    Kind("sales_agreement_decision", _("Decision on my agreement"), IMMEDIATE, "sales"),
    Kind("reports_submitted", _("Report submitted for review"), IMMEDIATE, "reports"),
    Kind("reports_decided", _("Decision on my report"), IMMEDIATE, "reports"),
    Kind("security_lockout", _("Account locked"), IMMEDIATE, "system"),
    Kind(DIGEST_KIND, _("Daily digest"), IMMEDIATE, "system"),
]

KINDS: dict[str, Kind] = {k.code: k for k in _KINDS}


def kind_get(code: str) -> Kind:
    """The registered kind, or an immediate one labelled by its code (a kind added elsewhere and
    not registered yet must still reach its recipient)."""
    return KINDS.get(code) or Kind(code, code, IMMEDIATE, "system")


def kind_label(code: str) -> str:
    return str(kind_get(code).label)


def default_delivery(code: str) -> str:
    return kind_get(code).delivery


def kind_choices() -> list[tuple[str, str]]:
    return [(k.code, k.label) for k in _KINDS]
