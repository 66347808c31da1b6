"""Move typed dates outside the bounds of issue 13.3 into them, before the check constraints
of the next migration (a year-1 date broke every page that showed it): see crm.date_bounds."""

from django.db import migrations

from crm.date_bounds import repair_out_of_bounds


def repair(apps, schema_editor):
    repair_out_of_bounds(apps.get_model("visits", "VisitPlan"), "planned_at", nullable=False, fallback="created_at")
    repair_out_of_bounds(apps.get_model("visits", "VisitReport"), "visited_on", nullable=False)
    repair_out_of_bounds(apps.get_model("visits", "NextStep"), "due_on", nullable=False)


class Migration(migrations.Migration):
    dependencies = [("visits", "0002_role_permissions")]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
