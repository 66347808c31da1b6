"""The blacklist in the admin: 总经办's and the managers' decision screens.

Rows are scoped like every screen (customers.selectors.customer_list_for); states and
decisions are read-only; the decision actions are offered to whom blacklist/permissions.py
allows, and call the same services as the CRM's pages, so the rules (who may approve, the
6-month limit, the two re-admission approvals) hold here too.
"""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.admin_base import ScopedModelAdmin
from customers.admin import CustomerNameSearchMixin
from customers.selectors import customer_list_for

from . import permissions, services
from .models import BlacklistEntry, BlacklistEvidence, BlacklistPolicy, ReadmissionRequest
from .services import BlacklistError


class DecisionForm(forms.Form):
    ends_on = forms.DateField(
        label=gettext_lazy("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy(
            "Leave empty for the full period; a shorter period may be set, never a longer one."
        ),
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


def _decide(modeladmin, request, queryset, *, title, fn, needs_comment=False, with_end_date=False):
    """Ask for a comment (and an end date) on an intermediate page, then call `fn` per row."""
    form = DecisionForm(request.POST if "apply" in request.POST else None)
    if with_end_date is False:
        form.fields.pop("ends_on")
    if needs_comment:
        form.fields["comment"].required = True
    if "apply" in request.POST and form.is_valid():
        done = 0
        for obj in queryset:
            try:
                fn(obj, **form.cleaned_data)
                done += 1
            except BlacklistError as exc:
                modeladmin.message_user(request, f"{obj}: {exc}", messages.ERROR)
        if done:
            modeladmin.message_user(request, _("%(count)d done.") % {"count": done}, messages.SUCCESS)
        return None
    return TemplateResponse(
        request,
        "blacklist/admin/decision.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "objects": queryset,
            "form": form,
            "action": request.POST.get("action"),
            "opts": modeladmin.model._meta,
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        },
    )


class EvidenceInline(admin.TabularInline):
    model = BlacklistEvidence
    extra = 0
    can_delete = False
    fields = ("original_name", "content_type", "size", "uploaded_by", "uploaded_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class ReadmissionInline(admin.TabularInline):
    model = ReadmissionRequest
    extra = 0
    can_delete = False
    fields = ("state", "requested_by", "requested_at", "gm_approved_by", "manager_approved_by", "rejected_by")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(BlacklistEntry)
class BlacklistEntryAdmin(CustomerNameSearchMixin, ScopedModelAdmin):
    list_display = (
        "customer",
        "department",
        "reason_category",
        "loss_amount",
        "state",
        "created_at",
        "starts_on",
        "ends_on",
    )
    list_filter = ("state", "department", "reason_category")
    search_fields = ("customer__name", "customer__credit_code")
    date_hierarchy = "created_at"
    list_select_related = ("customer", "department")
    inlines = [EvidenceInline, ReadmissionInline]
    actions = ["approve_entries", "reject_entries"]
    readonly_fields = (
        "customer",
        "department",
        "state",
        "proposed_by",
        "reported_by",
        "reported_at",
        "decided_by",
        "decided_at",
        "decision_comment",
        "starts_on",
        "ends_on",
        "expired_at",
        "readmitted_at",
        "created_at",
    )
    fields = ("reason_category", "reason", "loss_amount", "loss_description", *readonly_fields)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(customer__in=customer_list_for(request.user).values("pk"))

    def has_add_permission(self, request):
        return False  # reported from the customer's page (with evidence), through blacklist_entry_report

    def has_delete_permission(self, request, obj=None):
        return False  # a record of business value: rejected or expired, never deleted

    def has_change_permission(self, request, obj=None):
        return False  # every change goes through a service (state machine, audit trail): actions only

    def has_verify_permission(self, request):
        return permissions.blacklist_verification_allowed(request.user)

    def has_decide_permission(self, request):
        return permissions.blacklist_decision_allowed(request.user)

    @admin.action(description=gettext_lazy("Approve blacklisting (总经办)"), permissions=["verify"])
    def approve_entries(self, request, queryset):
        return _decide(
            self,
            request,
            queryset,
            title=_("Approve blacklisting"),
            with_end_date=True,
            fn=lambda e, ends_on=None, comment="": services.blacklist_entry_approve(
                actor=request.user, entry_id=e.pk, ends_on=ends_on, comment=comment
            ),
        )

    @admin.action(description=gettext_lazy("Reject with a comment"), permissions=["decide"])
    def reject_entries(self, request, queryset):
        return _decide(
            self,
            request,
            queryset,
            title=_("Reject blacklist reports"),
            needs_comment=True,
            fn=lambda e, comment="": services.blacklist_entry_reject(
                actor=request.user, entry_id=e.pk, comment=comment
            ),
        )


@admin.register(ReadmissionRequest)
class ReadmissionRequestAdmin(ScopedModelAdmin):
    list_display = ("entry", "state", "requested_by", "requested_at", "gm_approved_at", "manager_approved_at")
    list_filter = ("state",)
    list_select_related = ("entry__customer", "requested_by")
    actions = ["approve_requests", "reject_requests"]
    readonly_fields = [f.name for f in ReadmissionRequest._meta.fields if f.name != "id"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(entry__customer__in=customer_list_for(request.user).values("pk"))
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_decide_permission(self, request):
        return permissions.blacklist_decision_allowed(request.user)

    @admin.action(description=gettext_lazy("Approve re-admission"), permissions=["decide"])
    def approve_requests(self, request, queryset):
        return _decide(
            self,
            request,
            queryset,
            title=_("Approve re-admission"),
            fn=lambda r, comment="": services.blacklist_readmission_approve(
                actor=request.user, request_id=r.pk, comment=comment
            ),
        )

    @admin.action(description=gettext_lazy("Refuse re-admission"), permissions=["decide"])
    def reject_requests(self, request, queryset):
        return _decide(
            self,
            request,
            queryset,
            title=_("Refuse re-admission"),
            needs_comment=True,
            fn=lambda r, comment="": services.blacklist_readmission_reject(
                actor=request.user, request_id=r.pk, comment=comment
            ),
        )


@admin.register(BlacklistPolicy)
class BlacklistPolicyAdmin(ScopedModelAdmin):
    list_display = ("__str__", "validity_months", "expiry_warning_days", "updated_at")

    def has_add_permission(self, request):
        return not BlacklistPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
