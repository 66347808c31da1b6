"""Move typed dates outside the bounds of issue 13.3 into them, before the check constraints
of the next migration (a year-1 date broke every page that showed it): see crm.date_bounds."""

from django.db import migrations

from crm.date_bounds import repair_out_of_bounds


def repair(apps, schema_editor):
    repair_out_of_bounds(apps.get_model("grading", "Incident"), "occurred_on", nullable=False)


class Migration(migrations.Migration):
    dependencies = [("grading", "0003_system_reason_codes")]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
