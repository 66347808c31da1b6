"""The administrator's screens of notifications: role defaults, group robots, the channel
outbox (failures visible, retry now) and the import of people's WeCom / DingTalk ids."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm.admin_base import ScopedModelAdmin
from crm.permissions import channel_ids_import_allowed

from .imports import ChannelIdImportError, read_sheet, user_channel_ids_import
from .kinds import kind_choices
from .models import DeliveryStatus, DepartmentRobot, NotificationDelivery, RoleNotificationDefault


class RoleDefaultForm(forms.ModelForm):
    kind = forms.ChoiceField(label=_("kind"), choices=kind_choices)

    class Meta:
        model = RoleNotificationDefault
        fields = ["role", "kind", "delivery", "email", "wecom", "dingtalk"]


@admin.register(RoleNotificationDefault)
class RoleNotificationDefaultAdmin(ScopedModelAdmin):
    form = RoleDefaultForm
    list_display = ("role", "kind", "delivery", "email", "wecom", "dingtalk")
    list_filter = ("role", "delivery")
    list_editable = ("delivery", "email", "wecom", "dingtalk")


@admin.register(DepartmentRobot)
class DepartmentRobotAdmin(ScopedModelAdmin):
    list_display = ("department", "provider", "is_active", "window_start", "window_count")
    list_filter = ("provider", "is_active")
    list_select_related = ("department",)


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(ScopedModelAdmin):
    list_display = (
        "created_at",
        "channel",
        "target",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
    )
    list_filter = ("status", "channel")
    search_fields = ("target", "last_error", "notification__title")
    list_select_related = ("notification",)
    readonly_fields = [f.name for f in NotificationDelivery._meta.fields]
    actions = ["retry_now"]
    show_full_result_count = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Try the selected deliveries again now"), permissions=["change"])
    def retry_now(self, request, queryset):
        count = queryset.exclude(status=DeliveryStatus.SENT).update(
            status=DeliveryStatus.PENDING, next_attempt_at=timezone.now(), attempts=0
        )
        self.message_user(
            request,
            ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.", count)
            % {"count": count},
            messages.SUCCESS,
        )


class ChannelIdsImportForm(forms.Form):
    file = forms.FileField(label=_("Sheet (.xlsx)"))


def channel_ids_import_view(model_admin):
    """An admin view on the user list: upload a sheet of usernames and their WeCom / DingTalk ids."""

    def view(request):
        if not (channel_ids_import_allowed(request.user) and model_admin.has_change_permission(request)):
            return redirect("admin:index")
        form = ChannelIdsImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                count = user_channel_ids_import(
                    actor=request.user, rows=read_sheet(form.cleaned_data["file"])
                )
            except ChannelIdImportError as exc:
                for problem in exc.problems[:20]:
                    messages.error(request, problem)
            else:
                messages.success(
                    request,
                    ngettext("%(count)d user updated.", "%(count)d users updated.", count) % {"count": count},
                )
                return redirect("admin:crm_user_changelist")
        context = {
            **model_admin.admin_site.each_context(request),
            "form": form,
            "title": _("Import WeCom and DingTalk user ids"),
            "opts": model_admin.model._meta,
        }
        return render(request, "crm/admin_channel_ids_import.html", context)

    return model_admin.admin_site.admin_view(view)


def user_admin_urls(model_admin) -> list:
    return [
        path("import-channel-ids/", channel_ids_import_view(model_admin), name="crm_user_import_channel_ids")
    ]
