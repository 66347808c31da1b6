"""Admin of visits: the cadence policy (administrator), plans and reports scoped by department.

Plan status is read-only; the actions call the same services as the screens. Reports are
written in the app (phone form); the admin shows them.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from crm.admin_base import ScopedModelAdmin
from customers.admin import CustomerNameSearchMixin
from customers.selectors import customer_list_for

from . import services
from .models import NextStep, VisitAttachment, VisitPlan, VisitPolicy, VisitReport


@admin.register(VisitPolicy)
class VisitPolicyAdmin(ScopedModelAdmin):
    list_display = ("__str__", "grade_a_days", "grade_b_days", "grade_c_days", "grade_d_days", "updated_at")

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not VisitPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class ScopedByCustomer:
    """Only the rows of customers the user may see (domain §1: admin pages too)."""

    def get_queryset(self, request):
        return super().get_queryset(request).filter(customer__in=customer_list_for(request.user))


@admin.register(VisitPlan)
class VisitPlanAdmin(CustomerNameSearchMixin, ScopedByCustomer, ScopedModelAdmin):
    list_display = ("customer", "planned_at", "purpose", "status", "created_by")
    list_filter = ("status",)
    search_fields = ("customer__name", "customer__short_name", "purpose")
    date_hierarchy = "planned_at"
    list_select_related = ("customer", "created_by")
    readonly_fields = ("customer", "status", "cancel_reason", "created_by", "created_at", "updated_at")
    fields = (
        "customer",
        "purpose",
        "planned_at",
        "content",
        "status",
        "cancel_reason",
        "created_by",
        "created_at",
    )
    actions = ["confirm_plans", "cancel_plans"]

    def has_add_permission(self, request):
        return False  # plans are made on the visits screens (blacklist check, visitors)

    def has_delete_permission(self, request, obj=None):
        return False

    def _run(self, request, queryset, service, done_message):
        done = 0
        for plan in queryset:
            try:
                service(actor=request.user, plan_id=plan.pk)
                done += 1
            except services.VisitError as exc:
                self.message_user(request, f"{plan}: {exc}", messages.ERROR)
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Confirm the selected visits"), permissions=["change"])
    def confirm_plans(self, request, queryset):
        self._run(request, queryset, services.visit_plan_confirm, _("%(count)d visits confirmed."))

    @admin.action(description=_("Cancel the selected visits"), permissions=["change"])
    def cancel_plans(self, request, queryset):
        self._run(request, queryset, services.visit_plan_cancel, _("%(count)d visits cancelled."))


class NextStepInline(admin.TabularInline):
    model = NextStep
    extra = 0
    fields = ("text", "due_on", "owner", "done_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class AttachmentInline(admin.TabularInline):
    model = VisitAttachment
    extra = 0
    fields = ("original_name", "content_type", "size", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(VisitReport)
class VisitReportAdmin(CustomerNameSearchMixin, ScopedByCustomer, ScopedModelAdmin):
    list_display = ("customer", "visited_on", "mode", "purpose", "author", "created_at")
    list_filter = ("mode", "purpose", "cooperation_intent")
    search_fields = ("customer__name", "customer__short_name", "latest_needs", "problems")
    date_hierarchy = "visited_on"
    list_select_related = ("customer", "author")
    inlines = [NextStepInline, AttachmentInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in VisitReport._meta.fields] + ["contacts"]

    def has_add_permission(self, request):
        return False  # written on the report form, which checks dates, contacts and files

    def has_delete_permission(self, request, obj=None):
        return False
