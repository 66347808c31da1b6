from django.db import migrations

from crm.roles import grant

ARCHIVE = [f"{verb}_{model}" for verb in ("view", "add", "change")
           for model in ("customer", "contact", "qualificationdocument", "businessprofile", "yearlyfigure")]


def grant_permissions(apps, schema_editor):
    grant(apps, "customers", {
        "salesperson": ARCHIVE,
        "assistant": ARCHIVE + ["import_customers", "export_customers", "view_importbatch"],
        "manager": ARCHIVE + ["import_customers", "export_customers", "view_accesslog", "view_importbatch",
                              "add_customershare", "view_customershare", "delete_customershare"],
        "gm_office": [p for p in ARCHIVE if p.startswith("view_")] + ["view_accesslog", "export_customers"],
        "admin": ARCHIVE + ["view_archivepolicy", "change_archivepolicy", "view_accesslog", "view_importbatch"],
    })


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial"), ("crm", "0002_role_groups")]
    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]
