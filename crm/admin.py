"""Users, departments and the system's records in the admin.

A user's groups follow their role (crm.roles.sync_user_groups), so the role is edited, not
the groups. The audit trail, notifications and job states are records: read-only.
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import AuditLog, Department, JobState, Notification, User
from .roles import sync_user_groups
from .services import audit_record, user_deactivate, user_sessions_end


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records kept by the system (audit, access log, imports): viewed, never added, changed or deleted."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "full_name", "role", "department", "email", "is_active", "last_login")
    list_filter = ("role", "department", "is_active")
    search_fields = ("username", "full_name", "email", "mobile")
    list_select_related = ("department",)
    ordering = ("department__name", "role", "username")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("full_name", "email", "mobile")}),
        (_("Role and department"), {"fields": ("role", "department", "is_active")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "full_name", "role", "department", "password1", "password2")}),
    )
    readonly_fields = ("last_login", "date_joined")
    actions = ["deactivate_users"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        user = request.user
        if user.sees_all_departments:
            return qs
        return qs.filter(department_id=user.department_id)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # After the form's own m2m save, so that the role's group is what remains.
        sync_user_groups(form.instance)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A deactivated person (or one whose role or department changed) is logged out
        # everywhere at once, not at their next idle timeout.
        if change and ({"is_active", "role", "department"} & set(form.changed_data)):
            if "is_active" in form.changed_data and not obj.is_active:
                audit_record(actor=request.user, action="crm.user.deactivated", target=obj,
                             before={"is_active": True}, after={"is_active": False})
            user_sessions_end(user=obj)

    @admin.action(description=_("Deactivate the selected users and end their sessions"), permissions=["change"])
    def deactivate_users(self, request, queryset):
        count = 0
        for user in queryset.exclude(pk=request.user.pk):
            user_deactivate(actor=request.user, user_id=user.pk)
            count += 1
        self.message_user(
            request, ngettext("%(count)d user deactivated.", "%(count)d users deactivated.", count) % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "is_head_office")
    search_fields = ("name", "code")

    def has_delete_permission(self, request, obj=None):
        return False  # users and customers refer to it (PROTECT)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "recipient", "kind", "title", "read_at", "emailed_at")
    list_filter = ("kind",)
    search_fields = ("title", "recipient__username", "recipient__full_name")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "target_type", "target_repr")
    list_filter = ("action", "target_type")
    search_fields = ("action", "target_repr", "target_id", "actor__username", "actor__full_name")
    list_select_related = ("actor",)
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(JobState)
class JobStateAdmin(ReadOnlyAdmin):
    list_display = ("name", "last_started_at", "last_success_at", "running_since", "last_error")


# The log of log-ins and failed log-ins (django-axes) is a record like the audit trail: nobody
# edits or deletes it from the admin. Locks (AccessAttempt) stay deletable: that unlocks a user.
import axes.admin  # noqa: E402  registers axes' own admins first, which are replaced here
from axes.models import AccessFailureLog, AccessLog  # noqa: E402

for _model, _base in ((AccessFailureLog, axes.admin.AccessFailureLogAdmin), (AccessLog, axes.admin.AccessLogAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, type(f"ReadOnly{_base.__name__}", (ReadOnlyAdmin, _base), {}))
