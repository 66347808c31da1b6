"""The grading records in the admin, read-only and department-scoped: evaluations, incidents,
demotion cases, the grade history, the review rounds."""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from customers.admin import CustomerNameSearchMixin

from ..models import DemotionCase, Evaluation, GradeChange, Incident, ReviewRound
from .proposals import ScopedAdmin


@admin.register(Evaluation)
class EvaluationAdmin(CustomerNameSearchMixin, ScopedAdmin):
    list_display = (
        "customer",
        "kind",
        "period_year",
        "business_volume",
        "weighted_score",
        "grade_before",
        "suggested_grade",
        "evaluated_by",
        "created_at",
    )
    list_filter = ("kind", "suggested_grade", "round")
    list_select_related = ("customer", "evaluated_by")
    search_fields = ("customer__name",)


@admin.register(Incident)
class IncidentAdmin(CustomerNameSearchMixin, ScopedAdmin):
    list_display = ("customer", "incident_type", "occurred_on", "is_serious", "recorded_by")
    list_filter = ("incident_type", "is_serious")
    list_select_related = ("customer", "recorded_by")
    search_fields = ("customer__name", "description")
    exclude = ("evidence",)  # downloaded through grading:incident_evidence, which checks visibility


@admin.register(DemotionCase)
class DemotionCaseAdmin(ScopedAdmin):
    list_display = ("customer", "opened_at", "deadline", "resolved_at", "escalated_at")
    list_select_related = ("customer",)


@admin.register(GradeChange)
class GradeChangeAdmin(CustomerNameSearchMixin, ScopedAdmin):
    list_display = (
        "customer",
        "from_grade",
        "to_grade",
        "provisional",
        "why",
        "proposed_by",
        "approvers",
        "changed_at",
    )
    list_select_related = ("customer", "proposed_by")
    search_fields = ("customer__name",)

    @admin.display(description=gettext_lazy("why"))
    def why(self, obj):
        return obj.reason_text


@admin.register(ReviewRound)
class ReviewRoundAdmin(ScopedAdmin):
    list_display = ("year", "kind", "period_year", "opened_at", "opened_by", "closes_on", "closed_at")
    list_filter = ("kind",)
    customer_path = None
