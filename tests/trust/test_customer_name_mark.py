"""Issues 14.3 and 14.14: every page that shows a customer names it through one tag
({% customer_name %}, customers.templatetags.customer_tags) with the red blacklist mark, and tells apart customers whose
short names repeat (the full name beside the short name)."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from blacklist import services as blacklist_services
from complaints import services as complaint_services
from grading.models import GradeProposal, ReviewRound
from tests.factories import CustomerFactory
from visits import services as visit_services

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 29, 10, 0, tzinfo=SH)
MARK = 'data-testid="blacklist-mark"'


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(salesperson, manager, gm_office):
    """A customer with a plan, a report, a ticket, an annual-review proposal, then blacklisted;
    and a second customer with the same short name."""
    bad = CustomerFactory(
        name="苏州东方电子科技有限公司", short_name="东方电子", city="苏州", owner=salesperson, grade="B"
    )
    twin = CustomerFactory(
        name="无锡东方电子有限公司", short_name="东方电子", city="无锡", owner=salesperson, grade="C"
    )
    plan = visit_services.visit_plan_create(
        actor=salesperson,
        customer_id=bad.pk,
        data={"purpose": "季度回顾", "planned_at": NOW + dt.timedelta(days=1)},
        now=NOW,
    )
    report = visit_services.visit_report_create(
        author=salesperson,
        customer_id=bad.pk,
        data={"visited_on": NOW.date(), "mode": "phone"},
        now=NOW,
    )
    ticket = complaint_services.ticket_create(
        actor=salesperson,
        customer_id=bad.pk,
        channel="phone",
        complaint_type="quality",
        description="划伤",
        now=NOW,
    )
    round_ = ReviewRound.objects.create(
        year=2026, period_year=2025, opened_at=NOW, closes_on=dt.date(2026, 12, 31)
    )
    GradeProposal.objects.create(customer=bad, from_grade="B", to_grade="C", round=round_, created_at=NOW)
    entry = blacklist_services.blacklist_entry_report(
        actor=manager,
        customer_id=bad.pk,
        reason_category="payment",
        reason="长期拖欠货款",
        loss_amount=100_000,
        now=NOW,
    )
    entry = blacklist_services.blacklist_entry_approve(actor=gm_office, entry_id=entry.pk, now=NOW)
    bad.refresh_from_db()
    assert bad.is_blacklisted
    return {"bad": bad, "twin": twin, "plan": plan, "report": report, "ticket": ticket, "entry": entry}


def pages(w):
    bad = w["bad"]
    return {
        "salesperson": [
            reverse("customers:list"),
            reverse("customers:detail", args=[bad.pk]),
            reverse("customers:edit", args=[bad.pk]),
            reverse("customers:contact_add", args=[bad.pk]),
            reverse("visits:pick_customer"),
            reverse("visits:pick_customer") + "?for=plan&q=dfdz",
            reverse("visits:plan_detail", args=[w["plan"].pk]),
            reverse("visits:report_detail", args=[w["report"].pk]),
            reverse("visits:report_create") + f"?customer={bad.pk}",
            reverse("visits:mine"),
            reverse("complaints:list"),
            reverse("complaints:detail", args=[w["ticket"].pk]),
        ],
        "manager": [
            reverse("grading:review"),
            # Blacklisting withdrew its proposal (field test 1): the list of all shows it, marked.
            reverse("admin:grading_gradeproposal_changelist") + "?show=all",
            reverse("blacklist:entry_detail", args=[w["entry"].pk]),
            reverse("blacklist:report"),
            reverse("complaints:list"),
            reverse("visits:team"),
        ],
        "gm_office": [reverse("blacklist:report"), reverse("blacklist:entry_detail", args=[w["entry"].pk])],
    }


@pytest.mark.django_db
def test_every_page_showing_the_customer_shows_the_mark(client_for, world, salesperson, manager, gm_office):
    users = {"salesperson": salesperson, "manager": manager, "gm_office": gm_office}
    missing, skipped = [], []
    for role, urls in pages(world).items():
        client = client_for(users[role])
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (role, url)
            html = response.content.decode()
            if world["bad"].name not in html and world["bad"].short_name not in html:
                skipped.append(url)  # not listed on this page (visits:team lists only overdue customers)
                continue
            if MARK not in html:
                missing.append((role, url))
    assert not missing
    assert skipped == [reverse("visits:team")], skipped


@pytest.mark.django_db
def test_repeated_short_names_are_told_apart(client_for, world, salesperson):
    html = client_for(salesperson).get(reverse("visits:pick_customer") + "?q=东方电子").content.decode()
    rows = re.findall(r'data-testid="pick-row".*?</a>', html, flags=re.S)
    assert len(rows) == 2
    assert "苏州东方电子科技有限公司" in html and "无锡东方电子有限公司" in html
    [bad_row] = [r for r in rows if "苏州东方电子科技有限公司" in r]
    assert MARK in bad_row and all(MARK not in r for r in rows if r is not bad_row)
