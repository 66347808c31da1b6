"""Users, departments and the system's records in the admin.

A user's groups follow their role (crm.roles.sync_user_groups), so the role is edited, not
the groups. The audit trail, notifications and job states are records: read-only.
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import permissions
from .admin_base import ObjectScopeMixin, ReadOnlyAdmin, ScopedModelAdmin
from .audit_actions import action_label
from .models import AuditLog, Department, JobState, Lockout, Notification, User
from .roles import sync_user_groups
from .services import audit_record, user_deactivate, user_sessions_end


@admin.register(User)
class UserAdmin(ObjectScopeMixin, BaseUserAdmin):
    list_display = ("username", "full_name", "role", "department", "email", "is_active", "last_login")
    list_filter = ("role", "department", "is_active")
    search_fields = ("username", "full_name", "email", "mobile")
    list_select_related = ("department",)
    ordering = ("department__name", "role", "username")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("full_name", "email", "mobile")}),
        (_("Role and department"), {"fields": ("role", "department", "is_active")}),
        (_("Message channels"), {"fields": ("wecom_userid", "dingtalk_userid")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "full_name", "role", "department", "password1", "password2"),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")
    actions = ["deactivate_users"]
    change_list_template = "crm/admin_user_changelist.html"

    def get_urls(self):
        from .notify.admin import user_admin_urls

        return user_admin_urls(self) + super().get_urls()

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        user = request.user
        if permissions.all_departments_view_allowed(user):
            return qs
        return qs.filter(department_id=user.department_id)

    def user_change_password(self, request, id, form_url=""):
        """The administrator resets a user's password (auth's form, in Chinese); nobody else may."""
        if not permissions.user_password_reset_allowed(request.user):
            raise PermissionDenied
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            audit_record(
                actor=request.user, action="crm.user.password_reset", target=self.get_object(request, id)
            )
        return response

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
                audit_record(
                    actor=request.user,
                    action="crm.user.deactivated",
                    target=obj,
                    before={"is_active": True},
                    after={"is_active": False},
                )
            user_sessions_end(user=obj)

    @admin.action(
        description=_("Deactivate the selected users and end their sessions"), permissions=["change"]
    )
    def deactivate_users(self, request, queryset):
        count = 0
        for user in queryset.exclude(pk=request.user.pk):
            user_deactivate(actor=request.user, user_id=user.pk)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d user deactivated.", "%(count)d users deactivated.", count) % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Department)
class DepartmentAdmin(ScopedModelAdmin):
    list_display = ("name", "code", "is_head_office")
    search_fields = ("name", "code")

    def has_delete_permission(self, request, obj=None):
        return False  # users and customers refer to it (PROTECT)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "recipient",
        "kind",
        "delivery",
        "title",
        "read_at",
        "emailed_at",
        "email_failures",
    )
    list_filter = ("kind", "delivery")
    search_fields = ("title", "recipient__username", "recipient__full_name")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"
    show_full_result_count = False


class AuditActionFilter(admin.SimpleListFilter):
    """The actions by their readable names (crm.audit_actions), the code kept in the URL."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        codes = model_admin.get_queryset(request).order_by().values_list("action", flat=True).distinct()
        return sorted(((code, action_label(code)) for code in codes), key=lambda item: str(item[1]))

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action_name", "target_type", "target_repr")
    list_filter = (AuditActionFilter, "target_type")
    search_fields = ("action", "target_repr", "target_id", "actor__username", "actor__full_name")
    list_select_related = ("actor",)
    date_hierarchy = "at"
    show_full_result_count = False

    @admin.display(description=_("action"), ordering="action")
    def action_name(self, obj):
        return action_label(obj.action)


@admin.register(JobState)
class JobStateAdmin(ReadOnlyAdmin):
    list_display = ("name", "last_started_at", "last_success_at", "running_since", "last_error")


# The log of log-ins and failed log-ins (django-axes) is a record like the audit trail: nobody
# edits or deletes it from the admin. Locks (AccessAttempt) stay deletable: that unlocks a user.
import axes.admin  # noqa: E402  registers axes' own admins first, which are replaced here
from axes.models import AccessFailureLog, AccessLog  # noqa: E402

import crm.notify.admin  # noqa: E402, F401  role defaults, group robots, channel deliveries

for _model, _base in (
    (AccessFailureLog, axes.admin.AccessFailureLogAdmin),
    (AccessLog, axes.admin.AccessLogAdmin),
):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, type(f"ReadOnly{_base.__name__}", (ReadOnlyAdmin, _base), {}))

# Axes' locks and auth's groups keep their own admins, with the one object scope of every admin.
from axes.models import AccessAttempt  # noqa: E402
from django.contrib.auth.admin import GroupAdmin  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402

for _model, _base in ((AccessAttempt, axes.admin.AccessAttemptAdmin), (Group, GroupAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, type(f"Scoped{_base.__name__}", (ObjectScopeMixin, _base), {}))


@admin.register(Lockout)
class LockoutAdmin(ScopedModelAdmin):
    """登录锁定: who is locked out from which address, until when; the administrator lifts a lock
    with one click (the row's button posts the changelist form to `<id>/lift/`)."""

    list_display = (
        "username",
        "person",
        "ip_address",
        "failures_since_start",
        "attempt_time",
        "locked_until",
        "lift_button",
    )
    search_fields = ("username", "ip_address")
    ordering = ("-attempt_time",)
    actions = None

    def get_queryset(self, request):
        from .lockouts import lockouts_active

        return Lockout.objects.filter(pk__in=lockouts_active().values("pk"))

    def has_module_permission(self, request):
        return permissions.lockouts_manage_allowed(request.user)

    def has_view_permission(self, request, obj=None):
        return permissions.lockouts_manage_allowed(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("person"))
    def person(self, obj):
        user = User.objects.filter(username=obj.username).first()
        return user.display_name if user else "—"

    @admin.display(description=_("locked until"))
    def locked_until(self, obj):
        from .lockouts import cool_off

        return obj.attempt_time + cool_off()

    @admin.display(description=_("lift"))
    def lift_button(self, obj):
        return format_html(
            '<button type="submit" class="button" formaction="{}" name="lift" value="{}">{}</button>',
            reverse("admin:crm_lockout_lift", args=[obj.pk]),
            obj.pk,
            _("Lift the lockout"),
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/lift/", self.admin_site.admin_view(self.lift_view), name="crm_lockout_lift"
            ),
            *super().get_urls(),
        ]

    def lift_view(self, request, object_id):
        from .lockouts import lockout_lift

        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        username = lockout_lift(actor=request.user, attempt_id=int(object_id))
        self.message_user(
            request,
            _("The lockout of %(username)s was lifted: they can log in again now.") % {"username": username},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:crm_lockout_changelist"))
