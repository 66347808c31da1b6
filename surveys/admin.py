"""Admin of surveys: the policy and the questions (administrator's policy rows)."""

from django.contrib import admin

from crm.admin_base import ScopedModelAdmin

from .models import SurveyPolicy, SurveyQuestion


@admin.register(SurveyPolicy)
class SurveyPolicyAdmin(ScopedModelAdmin):
    list_display = (
        "__str__",
        "round_interval_months",
        "link_valid_days",
        "link_attempts_per_hour",
        "updated_at",
    )

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not SurveyPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SurveyQuestion)
class SurveyQuestionAdmin(ScopedModelAdmin):
    list_display = ("text", "code", "scale_max", "order", "is_active")
    list_editable = ("order", "is_active")
