from django.db import migrations

from crm.roles import grant

VIEW = ["view_ticket", "view_ticketfeedback", "view_ticketevent", "view_ticketattachment"]


def grant_permissions(apps, schema_editor):
    # Tickets move only through the workflow screens and services; the admin shows them and
    # offers the managers' actions (escalate), never a direct edit of the status.
    grant(apps, "complaints", {
        "salesperson": VIEW,
        "assistant": VIEW + ["export_tickets"],
        "manager": VIEW + ["change_ticket", "export_tickets"],
        "gm_office": VIEW + ["change_ticket", "export_tickets"],
        "admin": VIEW + ["export_tickets", "view_complaintpolicy", "change_complaintpolicy"],
    })


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial"), ("crm", "0002_role_groups")]
    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]
