from django.db import migrations

from crm.roles import grant

# Domain §12. Due days: half-yearly satisfaction report by 10 July and 10 January (§10).
KINDS = [
    ("key_account_monthly", "大客户月报", "month", 5, True, 10),
    ("contact_monthly", "沟通记录月报", "month", 5, False, 20),
    ("return_visit_quarterly", "回访工作总体评定", "quarter", 10, False, 30),
    ("complaint_quarterly", "客户投诉季度分析", "quarter", 10, False, 40),
    ("satisfaction_half_yearly", "满意率调查汇报", "half_year", 10, False, 50),
]


def seed_kinds(apps, schema_editor):
    ReportKind = apps.get_model("reports", "ReportKind")
    for code, name, period, due_day, per_customer, order in KINDS:
        ReportKind.objects.get_or_create(code=code, defaults={
            "name": name, "period": period, "due_day": due_day, "per_key_customer": per_customer, "order": order,
            "submitter_role": "manager", "reviewer_role": "gm_office"})


def grant_permissions(apps, schema_editor):
    plan = ["view_developmentplan", "view_plantarget"]
    grant(apps, "reports", {
        "assistant": plan + ["view_report"],
        "manager": plan + ["view_report", "add_developmentplan", "change_developmentplan", "add_plantarget",
                           "change_plantarget", "delete_plantarget"],
        "gm_office": plan + ["view_report"],
        "admin": plan + ["view_report", "view_reportkind", "change_reportkind"],
    })


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_plans_and_periodic_reports"), ("crm", "0002_role_groups")]
    operations = [
        migrations.RunPython(seed_kinds, migrations.RunPython.noop),
        migrations.RunPython(grant_permissions, migrations.RunPython.noop),
    ]
