"""The managers' approval screen of grade-change proposals (§3): the queue, approve/reject with
a comment (crm.admin_decisions.DecisionAdminMixin: the same screen as tiers and agreements).

Everything is read-only here; decisions go through grading.services (the same rules as
everywhere). Each list is scoped to the user's department (总经办 and the administrator see
all), and a proposal outside it is a 404, not a redirect.
"""

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.admin_base import ScopedModelAdmin
from crm.admin_decisions import DecisionAdminMixin, DecisionShowFilter, DecisionTexts, decision_history_table
from customers.admin import CustomerNameSearchMixin, customer_name_html

from ..models import OPEN_STATES, GradeChange, GradeProposal
from ..permissions import approval_refusal
from ..selectors import proposals_awaiting, scope_by_department
from ..services import GradingError, proposal_approve, proposal_reject
from ..services.proposals import DEMOTION_GRADES
from ..services.rules import is_demotion_from_a


class ScopedAdmin(ScopedModelAdmin):
    """Read-only, department-scoped; a row outside the scope is a 404."""

    customer_path = "customer"

    def get_queryset(self, request):
        return scope_by_department(super().get_queryset(request), request.user, self.customer_path)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(GradeProposal)
class GradeProposalAdmin(DecisionAdminMixin, CustomerNameSearchMixin, ScopedAdmin):
    list_display = (
        "customer_name",
        "department",
        "grade_change",
        "short_reason",
        "score",
        "age",
        "state",
        "proposer",
    )
    list_filter = (DecisionShowFilter, "state", "round")
    list_select_related = ("customer", "customer__department", "evaluation", "proposed_by")
    search_fields = ("customer__name", "customer__short_name")
    change_form_template = "grading/admin/gradeproposal_change_form.html"
    fields = (
        "customer",
        "grade_change",
        "kind",
        "reason_shown",
        "proposer",
        "created_at",
        "state",
        "decided_at",
        "withdrawn_reason",
        "evidence",
        "incident_display",
        "steps",
        "history",
    )
    readonly_fields = fields
    list_per_page = 50
    # No second COUNT(*) over all proposals of the scope for "(N total)" (bench finding 9).
    show_full_result_count = False

    class Media:
        css = {"all": ("css/admin_customer_name.css",)}

    @admin.display(description=gettext_lazy("customer"), ordering="customer__name")
    def customer_name(self, obj):
        return customer_name_html(obj.customer)

    @admin.display(description=gettext_lazy("department"))
    def department(self, obj):
        return obj.customer.department

    @admin.display(description=gettext_lazy("change"))
    def grade_change(self, obj):
        suffix = _(" (provisional)") if obj.from_provisional else ""
        return f"{obj.from_grade or '—'}{suffix} → {obj.to_grade}"

    @admin.display(description=gettext_lazy("reason"))
    def short_reason(self, obj):
        text = obj.reason_text
        return text if len(text) <= 40 else text[:39] + "…"

    @admin.display(description=gettext_lazy("reason"))
    def reason_shown(self, obj):
        return obj.reason_text

    @admin.display(description=gettext_lazy("score"))
    def score(self, obj):
        ev = obj.evaluation
        if ev is None or ev.weighted_score is None:
            return "—"  # no score: a grade letter here would read as one
        return f"{ev.weighted_score} · {ev.suggested_grade}"

    @admin.display(description=gettext_lazy("age (days)"), ordering="created_at")
    def age(self, obj):
        return (timezone.now() - obj.created_at).days

    @admin.display(description=gettext_lazy("proposed by"))
    def proposer(self, obj):
        return obj.proposed_by.display_name if obj.proposed_by else _("System")

    @admin.display(description=gettext_lazy("evidence"))
    def evidence(self, obj):
        ev = obj.evaluation
        if ev is None:
            return "—"
        rows = [
            (_("Period"), ev.period_year),
            (_("Business volume (yuan)"), f"{ev.business_volume:,.2f}"),
            (_("Receivables (yuan)"), f"{ev.receivables:,.2f}"),
            (_("Overdue payments"), ev.overdue_payment_count),
            (_("Overdue pickups"), ev.overdue_pickup_count),
            (_("Weighted score"), ev.weighted_score or "—"),
            (_("Suggested grade"), ev.suggested_grade),
            (_("Evaluated by"), ev.evaluated_by or _("System")),
        ]
        return format_html(
            '<table class="grading-evidence">{}</table>',
            format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows),
        )

    @admin.display(description=gettext_lazy("incident"))
    def incident_display(self, obj):
        if obj.incident is None:
            return "—"
        return f"{obj.incident} — {obj.incident.description}"

    @admin.display(description=gettext_lazy("approval steps"))
    def steps(self, obj):
        rows = [
            (
                a.get_step_display(),
                a.approver,
                _("Approved") if a.approved else _("Rejected"),
                timezone.localtime(a.decided_at).strftime("%Y-%m-%d %H:%M"),
                a.comment,
            )
            for a in obj.approvals.select_related("approver")
        ]
        return decision_history_table(rows)

    @admin.display(description=gettext_lazy("grade history"))
    def history(self, obj):
        rows = [
            (
                timezone.localtime(c.changed_at).strftime("%Y-%m-%d"),
                f"{c.from_grade or '—'} → {c.to_grade}",
                c.reason_text,
                c.proposed_by or _("System"),
                c.approvers or "—",
            )
            for c in GradeChange.objects.filter(customer_id=obj.customer_id).select_related("proposed_by")[
                :20
            ]
        ]
        return decision_history_table(rows)

    # --- Decisions (crm.admin_decisions): what differs from tiers and agreements -------------

    decision_error = GradingError
    decision_open_states = OPEN_STATES
    decision_texts = DecisionTexts(
        approve_action=gettext_lazy("Approve the selected proposals"),
        reject_action=gettext_lazy("Reject the selected proposals"),
        approve_title=gettext_lazy("Approve grade changes"),
        reject_title=gettext_lazy("Reject grade changes"),
        approve_intro=gettext_lazy("You are approving these grade changes:"),
        reject_intro=gettext_lazy("You are rejecting these grade changes:"),
        approved_count=gettext_lazy("%(count)d proposals approved."),
        rejected_count=gettext_lazy("%(count)d proposals rejected."),
        approved_one=gettext_lazy("Proposal approved."),
        rejected_one=gettext_lazy("Proposal rejected."),
    )
    decision_columns = (
        gettext_lazy("Customer"),
        gettext_lazy("Change"),
        gettext_lazy("Reason"),
        gettext_lazy("State"),
    )

    def decision_row(self, obj):
        return [
            customer_name_html(obj.customer),
            f"{obj.from_grade or '—'} → {obj.to_grade}",
            obj.reason_text,
            obj.get_state_display(),
        ]

    def decision_queue(self, user, queryset):
        return proposals_awaiting(user, queryset)

    def decision_refusal(self, user, obj):
        return approval_refusal(user, obj)

    def decision_apply(self, request, object_id, *, approve, comment, now):
        if approve:
            # §3: an A customer is demoted to B or C, the approver's choice (the change page's select).
            to_grade = request.POST.get("to_grade") or None
            proposal_approve(
                proposal_id=object_id, approver=request.user, comment=comment, to_grade=to_grade, now=now
            )
        else:
            proposal_reject(proposal_id=object_id, approver=request.user, comment=comment, now=now)

    def decision_context(self, request, obj):
        return {
            **super().decision_context(request, obj),
            "demotion_grades": DEMOTION_GRADES if is_demotion_from_a(obj.from_grade, obj.to_grade) else (),
            "proposed_grade": obj.to_grade,
        }
