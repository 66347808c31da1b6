from django.db import migrations

from crm.roles import grant

# Domain §10: quality, price and basic service, plus delivery and overall satisfaction, 1–5.
QUESTIONS = [
    ("quality", "产品质量", 10), ("price", "价格", 20), ("service", "基本服务", 30),
    ("delivery", "交付及时性", 40), ("overall", "总体满意度", 50),
]


def seed_questions(apps, schema_editor):
    SurveyQuestion = apps.get_model("surveys", "SurveyQuestion")
    for code, text, order in QUESTIONS:
        SurveyQuestion.objects.get_or_create(code=code, defaults={"text": text, "order": order, "scale_max": 5})


def grant_permissions(apps, schema_editor):
    grant(apps, "surveys", {
        "admin": ["view_surveypolicy", "change_surveypolicy", "view_surveyquestion", "change_surveyquestion",
                  "add_surveyquestion"],
    })


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_surveys_rounds_links_answers"), ("crm", "0002_role_groups")]
    operations = [
        migrations.RunPython(seed_questions, migrations.RunPython.noop),
        migrations.RunPython(grant_permissions, migrations.RunPython.noop),
    ]
