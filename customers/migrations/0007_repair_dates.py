"""Move typed dates outside the bounds of issue 13.3 into them, before the check constraints
of the next migration (a year-1 date broke every page that showed it): see crm.date_bounds."""

from django.db import migrations

from crm.date_bounds import repair_out_of_bounds


def repair(apps, schema_editor):
    repair_out_of_bounds(apps.get_model("customers", "Customer"), "cooperation_start", nullable=True)
    repair_out_of_bounds(apps.get_model("customers", "QualificationDocument"), "issued_on", nullable=True)
    repair_out_of_bounds(apps.get_model("customers", "QualificationDocument"), "expires_on", nullable=True)


class Migration(migrations.Migration):
    dependencies = [("customers", "0006_refill_name_keys")]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
