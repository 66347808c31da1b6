"""The 工作台 widget: reports waiting for me (to submit or to review)."""

from django.db.models import Q

from .models import ReportStatus
from .selectors import reports_for


def dashboard_widget_context(request, ctx) -> dict:
    """One query: the user's reports to submit (department) or to review (总经办)."""
    user = request.user
    qs = reports_for(user)
    if user.is_gm_office:
        qs = qs.filter(Q(status=ReportStatus.SUBMITTED) & Q(kind__reviewer_role=user.role))
    else:
        qs = qs.filter(status__in=[ReportStatus.DRAFT, ReportStatus.RETURNED], kind__submitter_role=user.role)
    return {"reports": list(qs.order_by("due_on")[:8]), "today": ctx.today}
