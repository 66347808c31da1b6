"""The tier approvals of 总经办 (§9) and the administrator's policy rows (cadence, festivals).

Read-only lists scoped to the user's department (总经办 and the administrator see all); the
decisions go through engagement.services, like everywhere else, on the approval screen every
queue shares (crm.admin_decisions.DecisionAdminMixin).
"""

from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.admin_base import DepartmentReadOnlyAdmin, ScopedModelAdmin
from crm.admin_decisions import DecisionAdminMixin, DecisionTexts, decision_history_table

from .models import (
    CadenceRule,
    ContactRecord,
    CustomerMeeting,
    EngagementPolicy,
    Festival,
    FestivalDate,
    TierChange,
    TierProposal,
)
from .permissions import tier_proposal_decide_allowed
from .services import EngagementError, tier_proposal_approve, tier_proposal_reject


@admin.register(TierProposal)
class TierProposalAdmin(DecisionAdminMixin, DepartmentReadOnlyAdmin):
    list_display = ("customer_name", "department", "change", "reason", "proposed_by", "created_at", "state")
    list_filter = ("state",)
    list_select_related = ("customer", "customer__department", "proposed_by")
    search_fields = ("customer__name", "customer__short_name")
    fields = (
        "customer",
        "change",
        "reason",
        "proposed_by",
        "created_at",
        "state",
        "decided_by",
        "decided_at",
        "comment",
        "history",
    )
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description=gettext_lazy("customer"), ordering="customer__name")
    def customer_name(self, obj):
        return obj.customer.display_name

    @admin.display(description=gettext_lazy("department"))
    def department(self, obj):
        return obj.customer.department

    @admin.display(description=gettext_lazy("change"))
    def change(self, obj):
        return f"{obj.get_from_tier_display()} → {obj.get_to_tier_display()}"

    @admin.display(description=gettext_lazy("tier history"))
    def history(self, obj):
        rows = [
            (
                timezone.localtime(c.changed_at).strftime("%Y-%m-%d"),
                f"{c.get_from_tier_display()} → {c.get_to_tier_display()}",
                c.reason,
                c.proposed_by,
                c.approved_by or "—",
            )
            for c in TierChange.objects.filter(customer_id=obj.customer_id).select_related(
                "proposed_by", "approved_by"
            )[:20]
        ]
        return decision_history_table(rows)

    # --- Decisions (crm.admin_decisions): what differs from grade changes and agreements -----

    decision_error = EngagementError
    decision_texts = DecisionTexts(
        approve_action=gettext_lazy("Approve the selected proposals"),
        reject_action=gettext_lazy("Reject the selected proposals"),
        approve_title=gettext_lazy("Approve tier changes"),
        reject_title=gettext_lazy("Reject tier changes"),
        approve_intro=gettext_lazy("You are approving these tier changes:"),
        reject_intro=gettext_lazy("You are rejecting these tier changes:"),
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
        return [obj.customer.display_name, self.change(obj), obj.reason, obj.get_state_display()]

    def decision_refusal(self, user, obj):
        if tier_proposal_decide_allowed(user, obj):
            return None
        return _("Only the general manager's office may decide this tier change.")

    def decision_apply(self, request, object_id, *, approve, comment, now):
        decide = tier_proposal_approve if approve else tier_proposal_reject
        decide(proposal_id=object_id, approver=request.user, comment=comment)


@admin.register(TierChange)
class TierChangeAdmin(DepartmentReadOnlyAdmin):
    list_display = ("customer", "from_tier", "to_tier", "reason", "proposed_by", "approved_by", "changed_at")
    list_select_related = ("customer", "proposed_by", "approved_by")
    search_fields = ("customer__name",)


@admin.register(ContactRecord)
class ContactRecordAdmin(DepartmentReadOnlyAdmin):
    list_display = ("customer", "mode", "user", "contacted_at", "summary", "next_step_on")
    list_filter = ("mode",)
    list_select_related = ("customer", "user")
    search_fields = ("customer__name", "summary")
    show_full_result_count = False


@admin.register(CustomerMeeting)
class CustomerMeetingAdmin(DepartmentReadOnlyAdmin):
    department_path = "department_id"
    list_display = ("title", "kind", "department", "held_on", "location")
    list_select_related = ("department",)


@admin.register(CadenceRule)
class CadenceRuleAdmin(ScopedModelAdmin):
    """The administrator edits the contact cadence (§9): tier × who × how × interval."""

    list_display = ("tier", "who", "how", "interval_days", "head_visit_counts", "is_active")
    list_editable = ("interval_days", "is_active")
    list_filter = ("tier", "who", "how")


@admin.register(Festival)
class FestivalAdmin(ScopedModelAdmin):
    list_display = ("name", "code", "month", "day", "is_active")
    list_editable = ("is_active",)


@admin.register(FestivalDate)
class FestivalDateAdmin(ScopedModelAdmin):
    list_display = ("festival", "year", "date")
    list_filter = ("festival", "year")


@admin.register(EngagementPolicy)
class EngagementPolicyAdmin(ScopedModelAdmin):
    def has_add_permission(self, request):
        return not EngagementPolicy.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        policy = EngagementPolicy.load()
        return HttpResponseRedirect(reverse("admin:engagement_engagementpolicy_change", args=[policy.pk]))
