"""The managers' approval queue for agreements (§13), and the administrator's ERP settings.

The approval screen every queue shares (crm.admin_decisions.DecisionAdminMixin, like grade
proposals and tiers): department-scoped, read-only records, bulk approve/reject through a comment
page, a decision form on the change page, the history of decisions; every decision goes through
sales.services (one decision under concurrency).
"""

from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.admin_base import DepartmentReadOnlyAdmin, ScopedModelAdmin
from crm.admin_decisions import DecisionAdminMixin, DecisionShowFilter, DecisionTexts, decision_history_table

from .models import (
    OPEN_AGREEMENT_STATES,
    Agreement,
    Delivery,
    ErpMapping,
    IntegrationAccount,
    Payment,
    Receivable,
    SalesPolicy,
    UnmatchedRecord,
)
from .selectors import agreements_awaiting
from .services import SalesError, agreement_approve, agreement_reject, approval_refusal


@admin.register(Agreement)
class AgreementAdmin(DecisionAdminMixin, DepartmentReadOnlyAdmin):
    list_display = ("number", "customer", "amount", "signed_on", "state", "created_by", "submitted_at")
    list_filter = (DecisionShowFilter, "state")
    list_select_related = ("customer", "created_by")
    search_fields = ("number", "customer__name")
    fields = (
        "number",
        "customer",
        "amount",
        "signed_on",
        "valid_from",
        "valid_until",
        "delivery_terms",
        "state",
        "created_by",
        "submitted_at",
        "decided_at",
        "instalment_list",
        "decisions",
    )
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description=gettext_lazy("instalments"))
    def instalment_list(self, obj):
        return (
            format_html_join(
                "",
                "<div>{}. {} — {}</div>",
                ((i.seq, i.due_on, f"{i.amount:,.2f}") for i in obj.instalments.all()),
            )
            or "—"
        )

    @admin.display(description=gettext_lazy("approval history"))
    def decisions(self, obj):
        rows = [
            (
                a.get_step_display(),
                a.approver.display_name,
                _("Approved") if a.approved else _("Rejected"),
                timezone.localtime(a.decided_at).strftime("%Y-%m-%d %H:%M"),
                a.comment,
            )
            for a in obj.approvals.select_related("approver")
        ]
        return decision_history_table(rows)

    # --- Decisions (crm.admin_decisions): what differs from grade changes and tiers ----------

    decision_error = SalesError
    decision_open_states = OPEN_AGREEMENT_STATES
    decision_texts = DecisionTexts(
        approve_action=gettext_lazy("Approve the selected agreements"),
        reject_action=gettext_lazy("Reject the selected agreements"),
        approve_title=gettext_lazy("Approve agreements"),
        reject_title=gettext_lazy("Reject agreements"),
        approve_intro=gettext_lazy("You are approving these agreements:"),
        reject_intro=gettext_lazy("You are rejecting these agreements:"),
        approved_count=gettext_lazy("%(count)d agreements approved."),
        rejected_count=gettext_lazy("%(count)d agreements rejected."),
        approved_one=gettext_lazy("Agreement approved."),
        rejected_one=gettext_lazy("Agreement rejected."),
        reject_help=gettext_lazy("Say why: the author reads it."),
    )
    decision_columns = (
        gettext_lazy("Agreement"),
        gettext_lazy("Customer"),
        gettext_lazy("Amount (yuan)"),
        gettext_lazy("State"),
    )

    def decision_row(self, obj):
        return [obj.number, obj.customer.display_name, obj.amount, obj.get_state_display()]

    def decision_name(self, obj):
        return obj.number

    def decision_queue(self, user, queryset):
        return agreements_awaiting(user, queryset)

    def decision_refusal(self, user, obj):
        return approval_refusal(user, obj)

    def decision_apply(self, request, object_id, *, approve, comment, now):
        decide = agreement_approve if approve else agreement_reject
        decide(agreement_id=object_id, approver=request.user, comment=comment, now=now)


@admin.register(Delivery)
class DeliveryAdmin(DepartmentReadOnlyAdmin):
    list_display = ("erp_number", "customer", "delivered_on", "value", "pickup_due_on", "picked_up_on")
    list_select_related = ("customer",)
    search_fields = ("erp_number", "customer__name")
    show_full_result_count = False


@admin.register(Receivable)
class ReceivableAdmin(DepartmentReadOnlyAdmin):
    list_display = (
        "erp_number",
        "customer",
        "source",
        "issued_on",
        "due_on",
        "amount",
        "paid_amount",
        "settled_on",
    )
    list_select_related = ("customer",)
    search_fields = ("erp_number", "customer__name")
    show_full_result_count = False


@admin.register(Payment)
class PaymentAdmin(DepartmentReadOnlyAdmin):
    list_display = ("erp_number", "customer", "received_on", "amount", "applies_to")
    list_select_related = ("customer",)
    search_fields = ("erp_number", "customer__name")
    show_full_result_count = False


@admin.register(UnmatchedRecord)
class UnmatchedRecordAdmin(ScopedModelAdmin):
    list_display = ("source", "erp_number", "credit_code", "customer_name", "received_at", "resolved_at")
    list_filter = ("source",)
    search_fields = ("erp_number", "credit_code", "customer_name")
    readonly_fields = (
        "source",
        "erp_number",
        "credit_code",
        "customer_name",
        "payload",
        "received_at",
        "resolved_at",
    )

    def has_add_permission(self, request):
        return False


@admin.register(ErpMapping)
class ErpMappingAdmin(ScopedModelAdmin):
    list_display = ("source", "columns")


@admin.register(IntegrationAccount)
class IntegrationAccountAdmin(ScopedModelAdmin):
    """Accounts are created with `manage.py integration_token NAME --scopes ...` (shows the token once)."""

    list_display = ("name", "scopes", "is_active", "created_at", "last_used_at")
    readonly_fields = ("token_hash", "created_at", "last_used_at")

    def has_add_permission(self, request):
        return False


@admin.register(SalesPolicy)
class SalesPolicyAdmin(ScopedModelAdmin):
    def has_add_permission(self, request):
        return not SalesPolicy.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        policy = SalesPolicy.load()
        return HttpResponseRedirect(reverse("admin:sales_salespolicy_change", args=[policy.pk]))
