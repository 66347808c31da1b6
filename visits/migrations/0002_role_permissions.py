from django.db import migrations

from crm.roles import grant

READ = ["view_visitplan", "view_visitreport", "view_nextstep", "view_visitattachment"]


def grant_permissions(apps, schema_editor):
    grant(apps, "visits", {
        "salesperson": READ,
        "assistant": READ + ["export_visits"],
        "manager": READ + ["change_visitplan", "export_visits", "view_visitpolicy"],
        "gm_office": READ + ["export_visits", "view_visitpolicy"],
        "admin": READ + ["view_visitpolicy", "change_visitpolicy"],
    })


class Migration(migrations.Migration):
    dependencies = [("visits", "0001_initial"), ("crm", "0002_role_groups")]
    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]
