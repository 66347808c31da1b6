"""Demo data of the salesperson's phone (issue 17): customer locations (confirmed and proposed),
check-ins on this month's on-site reports (some marked for the manager), plans weeks ahead and
plans not carried out. Run by `manage.py seed_demo` after visits.demo; idempotent (nothing is
added once a demo customer has a location).
"""

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from crm.models import Role, User
from customers.models import Customer

from .checkin import distance_m
from .models import (
    CustomerLocation,
    LocationSource,
    PlanStatus,
    VisitMode,
    VisitPlan,
    VisitPolicy,
    VisitReport,
)

# Around 上海 and 苏州 (WGS-84).
CENTRES = [(31.2304, 121.4737), (31.2989, 120.5853), (31.1434, 121.8053), (31.3960, 121.2630)]
PURPOSES = ["年度合同洽谈", "新产品介绍", "了解采购计划", "季度业务回顾"]


def seed(*, now=None) -> str:
    now = now or timezone.now()
    today = timezone.localdate(now)
    tz = timezone.get_current_timezone()
    salespeople = list(
        User.objects.filter(role=Role.SALESPERSON, username__startswith="sales_").order_by("username")
    )
    if not salespeople:
        return "no demo salespeople"
    if CustomerLocation.objects.filter(customer__owner__in=salespeople).exists():
        return "already seeded"
    assistants = {u.department_id: u for u in User.objects.filter(role=Role.ASSISTANT).order_by("username")}
    rng = random.Random(17)
    policy = VisitPolicy.load()
    located = proposed = checkins = flagged = plans = missed = 0
    with transaction.atomic():
        for person in salespeople:
            own = list(
                Customer.objects.filter(owner=person, is_deleted=False, is_blacklisted=False).order_by("pk")[
                    :16
                ]
            )
            setter = assistants.get(person.department_id, person)
            for i, customer in enumerate(own):
                lat, lng = rng.choice(CENTRES)
                lat, lng = lat + rng.uniform(-0.08, 0.08), lng + rng.uniform(-0.08, 0.08)
                confirmed = i < 13
                CustomerLocation.objects.create(
                    customer=customer,
                    latitude=lat,
                    longitude=lng,
                    set_by=setter if confirmed else person,
                    source=LocationSource.ASSISTANT if confirmed else LocationSource.CHECKIN,
                    confirmed=confirmed,
                )
                located += confirmed
                proposed += not confirmed
                if not confirmed:
                    continue
                for report in VisitReport.objects.filter(
                    customer=customer, mode=VisitMode.ONSITE, visited_on__gte=today.replace(day=1)
                ):
                    checkins += 1
                    if rng.random() < 0.2:  # no position: the phone refused, or a report typed at the office
                        report.checkin_flagged = True
                        report.save(update_fields=["checkin_flagged"])
                        flagged += 1
                        continue
                    far = rng.random() < 0.15
                    plat = lat + (rng.uniform(0.03, 0.06) if far else rng.uniform(-0.002, 0.002))
                    plng = lng + rng.uniform(-0.002, 0.002)
                    report.checkin_latitude, report.checkin_longitude = plat, plng
                    report.checkin_accuracy_m = rng.randint(8, 60)
                    report.checkin_at = datetime.combine(report.visited_on, time(10, 15), tzinfo=tz)
                    report.checkin_distance_m = distance_m(plat, plng, lat, lng)
                    report.checkin_flagged = report.checkin_distance_m > policy.checkin_max_distance_m
                    flagged += report.checkin_flagged
                    report.save()
            for j, customer in enumerate(own[:6]):
                if j < 4:  # weeks ahead: the calendar and the upcoming list
                    at = datetime.combine(today + timedelta(days=8 + 6 * j), time(10, 0), tzinfo=tz)
                    status = PlanStatus.PLANNED
                    plans += 1
                else:  # 未执行: the day passed without a report
                    at = datetime.combine(today - timedelta(days=3 + j), time(14, 0), tzinfo=tz)
                    status = PlanStatus.CONFIRMED
                    missed += 1
                plan = VisitPlan.objects.create(
                    customer=customer,
                    purpose=rng.choice(PURPOSES),
                    planned_at=at,
                    created_by=person,
                    status=status,
                    content="确认下季度采购计划",
                )
                plan.visitors.add(person)
    return (
        f"{located} customer locations, {proposed} proposed by check-ins, {checkins} check-ins "
        f"({flagged} marked for the manager), {plans} plans ahead, {missed} plans not carried out"
    )
