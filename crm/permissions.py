"""Who may do what across the project: the checks of the core app (users, lockouts, the admin
link) and the one scope every app shares (whether a user reads all departments).

Each app keeps its own rules in `<app>/permissions.py` (docs/architecture.md, "Who may do
what"); templates ask any of them through one tag, `{% allowed "<app>.<name>_allowed" user obj
as var %}` (crm/templatetags/crm_tags.py). The role properties of crm.models.User
(`is_manager`, `sees_all_departments`...) are the vocabulary these predicates are written in.
"""

from .models import User


def all_departments_view_allowed(user: User) -> bool:
    """总经办 and the administrator read every department; everyone else their own."""
    return bool(user.is_authenticated and user.sees_all_departments)


def panel_view_allowed(user: User, allowed) -> bool:
    """A customer-page section or 工作台 widget (crm.registry.Panel) is shown when its app's
    predicate `allowed` says yes (no predicate: to everyone); a superuser sees every one."""
    return allowed is None or user.is_superuser or bool(allowed(user))


def admin_site_allowed(user: User) -> bool:
    """The Django admin: the staff roles (crm.roles.STAFF_ROLES keeps `is_staff` in step)."""
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def user_password_reset_allowed(user: User) -> bool:
    """Only the administrator resets another user's password."""
    return bool(user.is_authenticated and user.is_active and user.is_administrator)


def lockouts_manage_allowed(user: User) -> bool:
    """Login lockouts (crm.lockouts) are the administrator's to see and lift."""
    return bool(user.is_authenticated and user.is_active and user.is_administrator)


def channel_ids_import_allowed(user: User) -> bool:
    """The sheet of WeCom / DingTalk ids is loaded by the administrator."""
    return bool(user.is_authenticated and user.is_active and user.is_administrator)


def department_rows(qs, user: User, department_path: str = "customer__department_id"):
    """The rows a back-office user reads: 总经办 and the administrator all, a department's manager
    and assistant their department's (by `department_path`), anyone else none. The department-
    scoped admins (crm.admin_base.DepartmentReadOnlyAdmin) and grading's scope use it."""
    if user.sees_all_departments:
        return qs if user.is_active else qs.none()
    if (user.is_manager or user.is_assistant) and user.department_id:
        return qs.filter(**{department_path: user.department_id})
    return qs.none()
