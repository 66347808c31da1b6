"""Who may do what with plans and periodic reports (§11, §12)."""

from crm.models import User

from .models import Report


def reports_view_allowed(user: User) -> bool:
    """Reports are the managers' and 总经办's (the assistant reads the department's)."""
    return user.is_manager or user.is_assistant or user.sees_all_departments


def reports_widget_allowed(user: User) -> bool:
    """The 工作台's periodic reports widget: the managers, 总经办 and the administrator."""
    return user.is_manager or user.sees_all_departments


def report_submit_allowed(user: User, report: Report) -> bool:
    """The kind's submitter role, of the report's department (总经办 submits for any)."""
    if user.role != report.kind.submitter_role:
        return False
    return user.sees_all_departments or user.department_id == report.department_id


def report_review_allowed(user: User, report: Report) -> bool:
    """The kind's reviewer role (总经办 by default: company leaders approve)."""
    if user.role != report.kind.reviewer_role:
        return False
    return user.sees_all_departments or user.department_id == report.department_id


def plan_edit_allowed(user: User, department_id: int) -> bool:
    """The department head sets the department's plan."""
    return user.is_manager and user.department_id == department_id


def plans_view_allowed(user: User) -> bool:
    return user.is_manager or user.is_assistant or user.sees_all_departments
