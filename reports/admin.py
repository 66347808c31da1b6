"""Admin of plans and reports: report kinds (administrator); plans with their targets and
reports read-only (the department head sets the plan on its screen, reports:plan_edit, through
services.plan_save with its rules; the workflow of reports is in the app)."""

from django.contrib import admin

from crm.admin_base import ScopedModelAdmin

from .models import DevelopmentPlan, PlanTarget, Report, ReportKind


@admin.register(ReportKind)
class ReportKindAdmin(ScopedModelAdmin):
    list_display = ("name", "code", "period", "submitter_role", "reviewer_role", "due_day", "is_active")
    readonly_fields = ("code", "per_key_customer")


class PlanTargetInline(admin.TabularInline):
    model = PlanTarget
    extra = 3


@admin.register(DevelopmentPlan)
class DevelopmentPlanAdmin(ScopedModelAdmin):
    list_display = ("department", "year", "set_by", "updated_at")
    list_filter = ("year",)
    inlines = [PlanTargetInline]
    readonly_fields = ("set_by",)

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("department", "set_by")
        if request.user.sees_all_departments:
            return qs
        return qs.filter(department_id=request.user.department_id)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "department" and not request.user.sees_all_departments:
            from crm.models import Department

            kwargs["queryset"] = Department.objects.filter(pk=request.user.department_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # Only the administrator corrects a plan here; the department head uses the plan screen.
    def has_add_permission(self, request):
        return request.user.is_administrator and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return request.user.is_administrator and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_administrator and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.set_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Report)
class ReportAdmin(ScopedModelAdmin):
    list_display = ("__str__", "status", "due_on", "submitted_at", "reviewed_at")
    list_filter = ("status", "kind")
    list_select_related = ("kind", "department", "customer")

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.sees_all_departments:
            return qs
        return qs.filter(department_id=request.user.department_id)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
