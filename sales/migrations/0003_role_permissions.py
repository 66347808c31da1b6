from django.db import migrations

from crm.roles import grant

VIEW = [
    f"view_{m}"
    for m in ("agreement", "agreementapproval", "delivery", "receivable", "payment", "unmatchedrecord")
]


def grant_permissions(apps, schema_editor):
    grant(
        apps,
        "sales",
        {
            "assistant": VIEW,
            "manager": VIEW + ["approve_agreement"],
            "gm_office": VIEW + ["approve_agreement"],
            "admin": VIEW
            + [
                "view_salespolicy",
                "change_salespolicy",
                "view_erpmapping",
                "add_erpmapping",
                "change_erpmapping",
                "view_integrationaccount",
                "change_integrationaccount",
            ],
        },
    )


class Migration(migrations.Migration):
    dependencies = [("sales", "0002_agreements_receivables_payments"), ("crm", "0002_role_groups")]
    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]
