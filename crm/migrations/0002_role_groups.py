from django.db import migrations

from crm.roles import GROUP_NAMES, grant


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in GROUP_NAMES.values():
        Group.objects.get_or_create(name=name)
    grant(apps, "crm", {
        "admin": ["view_user", "add_user", "change_user", "view_department", "add_department",
                  "change_department", "view_auditlog", "view_jobstate", "view_notification"],
        "gm_office": ["view_auditlog", "view_department", "view_user"],
        "manager": ["view_user", "view_department"],
    })


class Migration(migrations.Migration):
    dependencies = [("crm", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
