"""The managers' approval queue for agreements (§13), and the administrator's ERP settings.

Same mechanics as grade proposals (grading.admin): department-scoped, read-only records, bulk
approve/reject through a comment page, a decision form on the change page, the history of
decisions; every decision goes through sales.services (one decision under concurrency).
"""

from django.contrib import admin, messages
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.admin_base import ScopedModelAdmin

from .models import (
    Agreement,
    AgreementState,
    Delivery,
    ErpMapping,
    IntegrationAccount,
    Payment,
    Receivable,
    SalesPolicy,
    UnmatchedRecord,
)
from .services import SalesError, agreement_approve, agreement_reject, approval_refusal


def scope_by_department(qs, user, customer_path="customer"):
    if user.sees_all_departments:
        return qs if user.is_active else qs.none()
    if (user.is_manager or user.is_assistant) and user.department_id:
        return qs.filter(**{f"{customer_path}__department_id": user.department_id})
    return qs.none()


class ScopedReadOnly(ScopedModelAdmin):
    def get_queryset(self, request):
        return scope_by_department(super().get_queryset(request), request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ShowFilter(admin.SimpleListFilter):
    title = gettext_lazy("show")
    parameter_name = "show"

    def lookups(self, request, model_admin):
        return [("mine", _("Awaiting my approval")), ("open", _("All open")), ("all", _("All"))]

    def value(self):
        return super().value() or "mine"

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "display": title,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
            }

    def queryset(self, request, queryset):
        user = request.user
        if self.value() == "mine":
            if user.is_gm_office:
                return queryset.filter(state=AgreementState.PENDING_GM).exclude(created_by=user)
            if user.is_manager:
                return queryset.filter(
                    state=AgreementState.PENDING_MANAGER, customer__department_id=user.department_id
                ).exclude(created_by=user)
            return queryset.none()
        if self.value() == "open":
            return queryset.filter(state__in=[AgreementState.PENDING_MANAGER, AgreementState.PENDING_GM])
        return queryset


@admin.register(Agreement)
class AgreementAdmin(ScopedReadOnly):
    list_display = ("number", "customer", "amount", "signed_on", "state", "created_by", "submitted_at")
    list_filter = (ShowFilter, "state")
    list_select_related = ("customer", "created_by")
    search_fields = ("number", "customer__name")
    actions = ("approve_selected", "reject_selected")
    change_form_template = "sales/admin/agreement_change_form.html"
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
        if not rows:
            return "—"
        return format_html(
            "<table>{}</table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )

    def has_approve_permission(self, request):
        return request.user.has_perm("sales.approve_agreement")

    def _decide(self, request, queryset, *, approve: bool):
        if "apply" not in request.POST:
            return TemplateResponse(
                request,
                "sales/admin/decide.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.model._meta,
                    "agreements": queryset,
                    "approve": approve,
                    "action": request.POST.get("action"),
                    "title": _("Approve agreements") if approve else _("Reject agreements"),
                },
            )
        comment, done, now = request.POST.get("comment", ""), 0, timezone.now()
        for agreement in queryset:
            try:
                if approve:
                    agreement_approve(
                        agreement_id=agreement.pk, approver=request.user, comment=comment, now=now
                    )
                else:
                    agreement_reject(
                        agreement_id=agreement.pk, approver=request.user, comment=comment, now=now
                    )
                done += 1
            except SalesError as exc:
                self.message_user(request, f"{agreement.number}: {exc}", messages.ERROR)
        if done:
            msg = _("%(count)d agreements approved.") if approve else _("%(count)d agreements rejected.")
            self.message_user(request, msg % {"count": done}, messages.SUCCESS)
        return None

    @admin.action(description=gettext_lazy("Approve the selected agreements"), permissions=["approve"])
    def approve_selected(self, request, queryset):
        return self._decide(request, queryset, approve=True)

    @admin.action(description=gettext_lazy("Reject the selected agreements"), permissions=["approve"])
    def reject_selected(self, request, queryset):
        return self._decide(request, queryset, approve=False)

    def get_urls(self):
        return [
            path(
                "<int:object_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="sales_agreement_decide",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request, object_id):
        if request.method != "POST" or not self.has_approve_permission(request):
            raise Http404
        if not self.get_queryset(request).filter(pk=object_id).exists():
            raise Http404
        approve, now = request.POST.get("decision") == "approve", timezone.now()
        comment = request.POST.get("comment", "")
        try:
            if approve:
                agreement_approve(agreement_id=object_id, approver=request.user, comment=comment, now=now)
            else:
                agreement_reject(agreement_id=object_id, approver=request.user, comment=comment, now=now)
        except SalesError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:sales_agreement_change", args=[object_id]))
        self.message_user(
            request, _("Agreement approved.") if approve else _("Agreement rejected."), messages.SUCCESS
        )
        return HttpResponseRedirect(reverse("admin:sales_agreement_changelist"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        agreement = self.get_queryset(request).filter(pk=object_id).select_related("customer").first()
        if agreement is None:
            raise Http404
        refusal = approval_refusal(request.user, agreement) if self.has_approve_permission(request) else "—"
        extra = {
            "can_decide": refusal is None,
            "refusal": refusal if agreement.is_open else None,
            "decide_url": reverse("admin:sales_agreement_decide", args=[agreement.pk]),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra)


@admin.register(Delivery)
class DeliveryAdmin(ScopedReadOnly):
    list_display = ("erp_number", "customer", "delivered_on", "value", "pickup_due_on", "picked_up_on")
    list_select_related = ("customer",)
    search_fields = ("erp_number", "customer__name")
    show_full_result_count = False


@admin.register(Receivable)
class ReceivableAdmin(ScopedReadOnly):
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
class PaymentAdmin(ScopedReadOnly):
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
