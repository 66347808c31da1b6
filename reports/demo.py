"""Demo plans and reports (run last by `manage.py seed_demo`): the east department's plan for
this year, and periodic reports in every state (to submit, submitted, returned, approved).
Idempotent: nothing is added once plans exist."""

from datetime import timedelta

from django.db import transaction

from crm.models import User
from customers.models import Customer, Grade

from . import services
from .models import DevelopmentPlan, PlanTarget, Report, ReportStatus


def seed(*, now) -> str:
    if DevelopmentPlan.objects.exists():
        return "plans already present"
    manager, gm = (
        User.objects.filter(username="manager_east").first(),
        User.objects.filter(username="gm").first(),
    )
    if manager is None or gm is None:
        return "skipped: demo users missing"
    with transaction.atomic():
        plan = DevelopmentPlan.objects.create(
            department=manager.department,
            year=now.year,
            set_by=manager,
            notes="提高A类和战略客户占比，重点开发浙江、江苏市场。",
        )
        targets = [
            PlanTarget(plan=plan, dimension="grade", key=Grade.A, target_count=8),
            PlanTarget(plan=plan, dimension="grade", key="B", target_share=30),
            PlanTarget(plan=plan, dimension="tier", key="strategic", target_count=3),
            PlanTarget(plan=plan, dimension="tier", key="key", target_count=6),
        ]
        industries = (
            Customer.objects.filter(department=manager.department)
            .exclude(industry="")
            .values_list("industry", flat=True)
            .distinct()
            .order_by("industry")[:2]
        )
        provinces = (
            Customer.objects.filter(department=manager.department)
            .exclude(province="")
            .values_list("province", flat=True)
            .distinct()
            .order_by("province")[:2]
        )
        targets += [PlanTarget(plan=plan, dimension="industry", key=i, target_count=10) for i in industries]
        targets += [PlanTarget(plan=plan, dimension="region", key=p, target_share=40) for p in provinces]
        sales = User.objects.filter(department=manager.department, role="salesperson").order_by("username")
        targets += [
            PlanTarget(plan=plan, dimension="new_customers", key=str(u.pk), target_count=5) for u in sales
        ]
        PlanTarget.objects.bulk_create(targets)

        # Reports of the periods that ended: last quarter's and last half-year's, and the ones before.
        for back in (200, 100, 0):
            services.reports_create_due(now=now - timedelta(days=back))
        east = Report.objects.filter(department=manager.department, customer__isnull=True).order_by(
            "period_end"
        )
        done = list(east.filter(period_end__lt=now.date() - timedelta(days=120)))
        for i, report in enumerate(done):
            submitted_at = now - timedelta(days=90 - i)
            services.report_save(
                actor=manager,
                report_id=report.pk,
                commentary="本期工作按计划推进，详见数据。",
                problems="部分客户回款偏慢。",
                measures="加强回款跟踪，按月通报。",
                submit=True,
                now=submitted_at,
            )
            if i % 3 == 0:
                services.report_approve(
                    actor=gm, report_id=report.pk, comment="同意。", now=submitted_at + timedelta(days=2)
                )
            elif i % 3 == 1:
                services.report_return(
                    actor=gm,
                    report_id=report.pk,
                    comment="请补充投诉原因分析。",
                    now=submitted_at + timedelta(days=2),
                )
    states = {s: Report.objects.filter(status=s).count() for s in ReportStatus.values}
    return f"1 plan, reports {states}"
