import pytest
from django.core.management import call_command

from crm.models import User
from customers.models import Contact, Customer, YearlyFigure
from customers.validators import validate_credit_code, validate_mobile


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_realistic():
    call_command("seed_demo", verbosity=0)
    counts = (
        User.objects.count(),
        Customer.objects.count(),
        Contact.objects.count(),
        YearlyFigure.objects.count(),
    )
    call_command("seed_demo", verbosity=0)
    assert (
        User.objects.count(),
        Customer.objects.count(),
        Contact.objects.count(),
        YearlyFigure.objects.count(),
    ) == counts
    assert Customer.objects.count() >= 300
    assert set(User.objects.values_list("username", flat=True)) >= {
        "admin",
        "gm",
        "manager_east",
        "manager_south",
        "assistant_east",
        "sales_east_1",
        "sales_east_2",
        "sales_south_1",
    }
    for c in Customer.objects.all()[:50]:
        validate_credit_code(c.credit_code)
    for m in Contact.objects.values_list("mobile", flat=True)[:50]:
        validate_mobile(m)
    assert User.objects.get(username="sales_east_1").check_password("crm-demo-2026")
    # Issue 19: a finished survey round, a plan, reports in every state, 回访 with satisfaction.
    from django.utils import timezone

    from reports.models import DevelopmentPlan, Report, ReportStatus
    from surveys.models import ResponseSource, SurveyResponse, SurveyRound
    from visits.models import VisitReport

    assert SurveyRound.objects.filter(closes_on__lt=timezone.localdate(), responses__isnull=False).exists()
    assert DevelopmentPlan.objects.filter(targets__isnull=False).exists()
    assert set(Report.objects.values_list("status", flat=True)) == set(ReportStatus.values)
    answered = SurveyResponse.objects.filter(
        source=ResponseSource.RETURN_VISIT, visit_report_id__isnull=False
    )
    assert answered.exists()
    assert VisitReport.objects.filter(
        pk__in=answered.values("visit_report_id"), purpose="return_visit"
    ).exists()
