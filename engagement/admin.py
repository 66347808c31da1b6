"""The tier approvals of 总经办 (§9) and the administrator's policy rows (cadence, festivals).

Read-only lists scoped to the user's department (总经办 and the administrator see all); the
decisions go through engagement.services, like everywhere else.
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.admin_base import ScopedModelAdmin

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


def scope_by_department(qs: QuerySet, user, path: str | None = "customer__department_id") -> QuerySet:
    if user.sees_all_departments:
        return qs if user.is_active else qs.none()
    if (user.is_manager or user.is_assistant) and user.department_id:
        return qs.filter(**{path: user.department_id})
    return qs.none()


class ScopedReadOnlyAdmin(ScopedModelAdmin):
    scope_path = "customer__department_id"

    def get_queryset(self, request):
        return scope_by_department(super().get_queryset(request), request.user, self.scope_path)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not self.get_queryset(request).filter(pk=object_id).exists():
            raise Http404
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(TierProposal)
class TierProposalAdmin(ScopedReadOnlyAdmin):
    list_display = ("customer_name", "department", "change", "reason", "proposed_by", "created_at", "state")
    list_filter = ("state",)
    list_select_related = ("customer", "customer__department", "proposed_by")
    search_fields = ("customer__name", "customer__short_name")
    actions = ("approve_selected", "reject_selected")
    change_form_template = "engagement/admin/tierproposal_change_form.html"
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
        if not rows:
            return "—"
        return format_html(
            "<table>{}</table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )

    def has_approve_permission(self, request):
        return request.user.has_perm("engagement.approve_tierproposal")

    def _decide(self, request, queryset, *, approve: bool):
        if "apply" not in request.POST:
            return TemplateResponse(
                request,
                "engagement/admin/decide.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.model._meta,
                    "proposals": queryset,
                    "approve": approve,
                    "action": request.POST.get("action"),
                    "title": _("Approve tier changes") if approve else _("Reject tier changes"),
                },
            )
        comment = request.POST.get("comment", "")
        done, errors = 0, []
        for proposal in queryset:
            try:
                if approve:
                    tier_proposal_approve(proposal_id=proposal.pk, approver=request.user, comment=comment)
                else:
                    tier_proposal_reject(proposal_id=proposal.pk, approver=request.user, comment=comment)
                done += 1
            except EngagementError as exc:
                errors.append(f"{proposal.customer.display_name}: {exc}")
        if done:
            msg = _("%(count)d proposals approved.") if approve else _("%(count)d proposals rejected.")
            self.message_user(request, msg % {"count": done}, messages.SUCCESS)
        for error in errors:
            self.message_user(request, error, messages.ERROR)
        return None

    @admin.action(description=gettext_lazy("Approve the selected proposals"), permissions=["approve"])
    def approve_selected(self, request, queryset):
        return self._decide(request, queryset, approve=True)

    @admin.action(description=gettext_lazy("Reject the selected proposals"), permissions=["approve"])
    def reject_selected(self, request, queryset):
        return self._decide(request, queryset, approve=False)

    def get_urls(self):
        return [
            path(
                "<int:object_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="engagement_tierproposal_decide",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request, object_id):
        """The change page's approve/reject form posts here (one proposal, with a comment)."""
        if request.method != "POST" or not self.has_approve_permission(request):
            raise Http404
        if not self.get_queryset(request).filter(pk=object_id).exists():
            raise Http404
        try:
            if request.POST.get("decision") == "approve":
                tier_proposal_approve(
                    proposal_id=object_id, approver=request.user, comment=request.POST.get("comment", "")
                )
                self.message_user(request, _("Proposal approved."), messages.SUCCESS)
            else:
                tier_proposal_reject(
                    proposal_id=object_id, approver=request.user, comment=request.POST.get("comment", "")
                )
                self.message_user(request, _("Proposal rejected."), messages.SUCCESS)
        except EngagementError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:engagement_tierproposal_change", args=[object_id]))
        return HttpResponseRedirect(reverse("admin:engagement_tierproposal_changelist"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        proposal = self.get_queryset(request).filter(pk=object_id).select_related("customer").first()
        if proposal is None:
            raise Http404
        can = self.has_approve_permission(request) and tier_proposal_decide_allowed(request.user, proposal)
        extra = {
            "can_decide": can,
            "refusal": None
            if can or not proposal.is_open
            else _("Only the general manager's office may decide this tier change."),
            "decide_url": reverse("admin:engagement_tierproposal_decide", args=[proposal.pk]),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra)


@admin.register(TierChange)
class TierChangeAdmin(ScopedReadOnlyAdmin):
    list_display = ("customer", "from_tier", "to_tier", "reason", "proposed_by", "approved_by", "changed_at")
    list_select_related = ("customer", "proposed_by", "approved_by")
    search_fields = ("customer__name",)


@admin.register(ContactRecord)
class ContactRecordAdmin(ScopedReadOnlyAdmin):
    list_display = ("customer", "mode", "user", "contacted_at", "summary", "next_step_on")
    list_filter = ("mode",)
    list_select_related = ("customer", "user")
    search_fields = ("customer__name", "summary")
    show_full_result_count = False


@admin.register(CustomerMeeting)
class CustomerMeetingAdmin(ScopedReadOnlyAdmin):
    scope_path = "department_id"
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
