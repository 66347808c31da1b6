from django.db import migrations

from crm.roles import grant

VIEW = [f"view_{m}" for m in ("gradeproposal", "proposalapproval", "evaluation", "incident", "demotioncase",
                              "gradechange", "reviewround")]


def grant_permissions(apps, schema_editor):
    grant(apps, "grading", {
        "assistant": VIEW,
        "manager": VIEW + ["approve_gradeproposal", "view_gradingpolicy"],
        "gm_office": VIEW + ["approve_gradeproposal", "view_gradingpolicy"],
        "admin": VIEW + ["view_gradingpolicy", "change_gradingpolicy"],
    })


class Migration(migrations.Migration):
    dependencies = [("grading", "0001_initial"), ("crm", "0002_role_groups")]
    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]
