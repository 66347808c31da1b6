"""Readable names of the audit trail's action codes, in the reader's language (issue 14 §18).

The trail stores codes (`blacklist.entry.approved`): stable, searchable, language-free. Screens
show `action_label(code)`. A new code gets its line here; tests/crm/test_audit_actions.py finds
every code written in the source and fails, naming it, until it has one.
"""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "grading.proposal.superseded": _("Interim proposal superseded by the annual review"),
    "visits.calendar_feed.created": _("Calendar subscription created"),
    "visits.calendar_feed.revoked": _("Calendar subscription revoked"),
    "visits.location.confirmed": _("Customer location confirmed"),
    "visits.location.set": _("Customer location set"),
    "blacklist.entry.approved": _("Blacklist entry approved"),
    "blacklist.entry.expired": _("Blacklist entry expired"),
    "blacklist.entry.proposed": _("Blacklist entry submitted to the general manager's office"),
    "blacklist.entry.readmitted": _("Customer re-admitted after the blacklist"),
    "blacklist.entry.rejected": _("Blacklist entry rejected"),
    "blacklist.entry.reported": _("Blacklist entry reported"),
    "blacklist.evidence.added": _("Blacklist evidence added"),
    "blacklist.readmission.approved": _("Re-admission approved"),
    "blacklist.readmission.rejected": _("Re-admission rejected"),
    "blacklist.readmission.requested": _("Re-admission requested"),
    "complaints.attachment.added": _("Complaint attachment added"),
    "complaints.deadlines.escalated": _("Overdue complaints escalated"),
    "complaints.feedback.added": _("Complaint feedback recorded"),
    "complaints.ticket.assigned": _("Complaint assigned"),
    "complaints.ticket.closed": _("Complaint closed"),
    "complaints.ticket.created": _("Complaint registered"),
    "complaints.ticket.escalated": _("Complaint escalated"),
    "complaints.ticket.resolved": _("Complaint resolved"),
    "complaints.ticket.return_visited": _("Complaint return visit recorded"),
    "crm.lockout.lifted": _("Log-in lockout lifted"),
    "crm.user.deactivated": _("User deactivated"),
    "crm.user.password_changed": _("Own password changed"),
    "crm.user.password_reset": _("Password reset by the administrator"),
    "customers.contact.created": _("Contact added"),
    "customers.contact.deleted": _("Contact deleted"),
    "customers.contact.updated": _("Contact updated"),
    "customers.customer.confirmed": _("Archive confirmed as up to date"),
    "customers.customer.created": _("Customer created"),
    "customers.customer.reassigned": _("Customer reassigned"),
    "customers.customer.status_changed": _("Customer status changed"),
    "customers.customer.updated": _("Customer archive updated"),
    "customers.document.deleted": _("Qualification document deleted"),
    "customers.document.uploaded": _("Qualification document uploaded"),
    "customers.export.done": _("Customers exported"),
    "customers.import.done": _("Import completed"),
    "customers.profile.updated": _("Customer profile updated"),
    "customers.yearly_figure.saved": _("Yearly figures saved"),
    "grading.demotion_case.opened": _("Demotion case opened"),
    "grading.evaluation.created": _("Evaluation recorded"),
    "grading.grade.provisional": _("Provisional grade set"),
    "grading.grade.readmission": _("Grade set on re-admission"),
    "grading.incident.recorded": _("Incident recorded"),
    "grading.proposal.approved": _("Grade change approved"),
    "grading.proposal.created": _("Grade change proposed"),
    "grading.proposal.rejected": _("Grade change rejected"),
    "grading.proposal.withdrawn": _("Grade change withdrawn"),
    "grading.round.extended": _("Review round extended"),
    "grading.round.opened": _("Review round opened"),
    "security.permission_denied": _("Access refused"),
    "visits.next_step.done": _("Next step done"),
    "visits.plan.cancelled": _("Visit plan cancelled"),
    "visits.plan.confirmed": _("Visit plan confirmed"),
    "visits.plan.created": _("Visit plan created"),
    "visits.report.created": _("Visit report written"),
}


def action_label(code: str) -> str:
    """The action's name in the active language; an unknown code is shown as it is."""
    return str(ACTION_LABELS[code]) if code in ACTION_LABELS else code
