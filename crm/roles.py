"""Roles as groups (domain §1). Each app's migrations grant its permissions with `grant`.

The role field on the user decides what the CRM's own screens allow; the groups carry the
model permissions that the admin checks (managers approve there, assistants keep archives).
"""

from .models import Role

GROUP_NAMES = {
    Role.SALESPERSON: "业务员",
    Role.ASSISTANT: "销售内勤",
    Role.MANAGER: "业务经理",
    Role.GM_OFFICE: "总经办",
    Role.ADMIN: "管理员",
}

# Roles that may open the admin site (their scope is still filtered by department there).
STAFF_ROLES = {Role.ASSISTANT, Role.MANAGER, Role.GM_OFFICE, Role.ADMIN}


def grant(apps, app_label: str, permissions: dict[str, list[str]]) -> None:
    """In a data migration: create `app_label`'s permissions now and give them to the role groups.

    `permissions` maps a role value to codenames of that app ("view_customer", ...).
    """
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations (post_migrate); create this
    # app's now so that the groups can be given them in the same migrate run.
    create_permissions(global_apps.get_app_config(app_label), verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in permissions.items():
        group, _ = Group.objects.get_or_create(name=GROUP_NAMES[role])
        perms = Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        group.permissions.add(*perms)


def sync_user_groups(user) -> None:
    """Put the user in exactly the group of their role; staff status follows the role."""
    from django.contrib.auth.models import Group

    group, _ = Group.objects.get_or_create(name=GROUP_NAMES[Role(user.role)])
    user.groups.set([group])
    is_staff = user.role in STAFF_ROLES or user.is_superuser
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
