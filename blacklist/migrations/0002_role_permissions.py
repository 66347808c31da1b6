from django.db import migrations

from crm.roles import grant

VIEW = ["view_blacklistentry", "view_blacklistevidence", "view_readmissionrequest"]


def grant_permissions(apps, schema_editor):
    # The admin's actions call the services, which check the role again (who may approve what).
    grant(apps, "blacklist", {
        "manager": VIEW + ["add_blacklistentry", "change_blacklistentry", "change_readmissionrequest"],
        "gm_office": VIEW + ["change_blacklistentry", "change_readmissionrequest"],
        "admin": VIEW + ["view_blacklistpolicy", "change_blacklistpolicy"],
    })


class Migration(migrations.Migration):
    dependencies = [("blacklist", "0001_initial"), ("crm", "0002_role_groups")]
    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]
