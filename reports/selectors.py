"""Reads of periodic reports: the ones a user may see."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from crm.models import User

from .models import Report


def reports_for(user: User) -> QuerySet[Report]:
    qs = Report.objects.select_related("kind", "department", "customer", "submitted_by", "reviewed_by")
    if user.sees_all_departments:
        return qs
    if (user.is_manager or user.is_assistant) and user.department_id:
        return qs.filter(department_id=user.department_id)
    return qs.none()


def report_get_for(user: User, pk: int) -> Report:
    return get_object_or_404(reports_for(user), pk=pk)
