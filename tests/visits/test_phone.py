"""The salesperson's phone (issue 17, 14.12, 14.13): calendar, missed plans, iCal feed, check-in, nearby."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from icalendar import Calendar

from tests.factories import CustomerFactory
from visits import calendar as cal
from visits import checkin, services
from visits.models import CustomerLocation, LocationSource, PlanStatus, VisitPolicy, VisitReport

from .conftest import NOW, SHANGHAI, TODAY, cadence_customer

pytestmark = pytest.mark.django_db

HQ = (31.230416, 121.473701)  # 上海人民广场
FIVE_KM_EAST = (31.230416, 121.526300)


def plan(user, customer, *, at, purpose="新品介绍"):
    return services.visit_plan_create(
        actor=user,
        customer_id=customer.pk,
        data={"purpose": purpose, "planned_at": at},
        now=at - timedelta(days=40),
    )


def report(user, customer, *, mode="onsite", position=None, **data):
    return services.visit_report_create(
        author=user,
        customer_id=customer.pk,
        data={"visited_on": TODAY, "mode": mode, **data},
        now=NOW,
        checkin=checkin.Position(*position, accuracy_m=20) if position else None,
    )


# --- plans in the past, missed plans --------------------------------------------------------------


def test_a_plan_in_the_past_is_refused_by_the_service_and_the_form(client_for, salesperson, customer, frozen):
    with pytest.raises(services.VisitError, match="过去"):
        services.visit_plan_create(
            actor=salesperson,
            customer_id=customer.pk,
            data={"purpose": "x", "planned_at": datetime(2020, 3, 1, 9, tzinfo=SHANGHAI)},
        )
    response = client_for(salesperson).post(
        reverse("visits:plan_create"),
        {
            "customer": customer.pk,
            "purpose": "回顾",
            "planned_at": "2020-03-01T09:00",
            "visitors": [salesperson.pk],
        },
    )
    assert response.status_code == 200 and "过去" in response.content.decode()
    # the plan of the visit one is starting now is fine
    services.visit_plan_create(
        actor=salesperson,
        customer_id=customer.pk,
        data={"purpose": "x", "planned_at": NOW - timedelta(minutes=10)},
    )


def test_a_plan_whose_day_passed_without_report_is_missed_for_owner_and_manager(
    client_for, salesperson, manager, customer, frozen
):
    missed = plan(salesperson, customer, at=NOW - timedelta(days=2))
    today = plan(salesperson, customer, at=NOW - timedelta(hours=1))  # still today: not missed yet
    done = plan(salesperson, customer, at=NOW - timedelta(days=3))
    services.visit_report_create(
        author=salesperson,
        customer_id=customer.pk,
        plan_id=done.pk,
        data={"visited_on": TODAY - timedelta(days=3), "mode": "phone"},
        now=NOW,
    )
    assert list(cal.missed_plans(salesperson, now=NOW)) == [missed]
    assert list(cal.missed_plans(manager, now=NOW, team=True)) == [missed]
    for user in (salesperson, manager):
        body = client_for(user).get(reverse("visits:plans_upcoming")).content.decode()
        missed_section = body.split('data-testid="missed-list"')[1]
        assert f'data-testid="upcoming-{missed.pk}"' in missed_section and "未执行" in missed_section
        assert f'data-testid="upcoming-{today.pk}"' not in missed_section


def test_upcoming_list_has_no_horizon_and_team_scope(
    client_for,
    salesperson,
    other_salesperson,
    manager,
    customer,
    other_customer,
    frozen,
    django_assert_max_num_queries,
):
    far = plan(salesperson, customer, at=NOW + timedelta(days=45))
    theirs = plan(other_salesperson, other_customer, at=NOW + timedelta(days=3))
    for i in range(5):
        plan(salesperson, customer, at=NOW + timedelta(days=i + 1))
    client = client_for(salesperson)
    with django_assert_max_num_queries(10):
        body = client.get(reverse("visits:plans_upcoming")).content.decode()
    assert f'data-testid="upcoming-{far.pk}"' in body and f'data-testid="upcoming-{theirs.pk}"' not in body
    team = client_for(manager).get(reverse("visits:plans_upcoming")).content.decode()
    assert f'data-testid="upcoming-{theirs.pk}"' in team and f'data-testid="upcoming-{far.pk}"' in team


# --- calendar -------------------------------------------------------------------------------------


def test_month_and_week_views_show_plans_reports_and_a_plan_link_per_day(
    client_for, salesperson, customer, frozen, django_assert_max_num_queries
):
    ahead = plan(salesperson, customer, at=NOW + timedelta(weeks=3))
    rep = report(salesperson, customer, mode="phone")
    client = client_for(salesperson)
    with django_assert_max_num_queries(12):
        month = client.get(
            reverse("visits:calendar"), {"view": "month", "day": ahead.planned_at.date().isoformat()}
        )
    body = month.content.decode()
    assert f'data-testid="cal-plan-{ahead.pk}"' in body
    day = (ahead.planned_at + timedelta(days=2)).date().isoformat()
    assert f'href="/visits/pick/?for=plan&amp;day={day}"' in body
    with django_assert_max_num_queries(12):
        week = client.get(
            reverse("visits:calendar"), {"view": "week", "day": TODAY.isoformat()}
        ).content.decode()
    assert f'data-testid="cal-report-{rep.pk}"' in week
    # a day in the past offers no planning
    assert f'data-testid="plan-on-{(TODAY - timedelta(days=1)).isoformat()}"' not in week


def test_calendar_is_scoped_mine_vs_team(
    client_for, salesperson, other_salesperson, manager, customer, other_customer, frozen
):
    theirs = plan(other_salesperson, other_customer, at=NOW + timedelta(days=1))
    mine = plan(salesperson, customer, at=NOW + timedelta(days=1))
    body = client_for(salesperson).get(reverse("visits:calendar"), {"scope": "team"}).content.decode()
    assert f"cal-plan-{mine.pk}" in body and f"cal-plan-{theirs.pk}" not in body
    team = client_for(manager).get(reverse("visits:calendar")).content.decode()
    assert f"cal-plan-{mine.pk}" in team and f"cal-plan-{theirs.pk}" in team
    only = (
        client_for(manager).get(reverse("visits:calendar"), {"owner": other_salesperson.pk}).content.decode()
    )
    assert f"cal-plan-{theirs.pk}" in only and f"cal-plan-{mine.pk}" not in only


def test_one_tap_from_a_day_opens_the_plan_form_on_that_day(client_for, salesperson, customer, frozen):
    day = (NOW + timedelta(days=9)).date().isoformat()
    client = client_for(salesperson)
    pick = client.get(reverse("visits:pick_customer"), {"for": "plan", "day": day}).content.decode()
    assert f"?customer={customer.pk}&amp;day={day}" in pick
    form = client.get(reverse("visits:plan_create"), {"customer": customer.pk, "day": day}).content.decode()
    assert f'value="{day}T09:00"' in form


def test_bad_calendar_query_strings_answer_a_page(client_for, salesperson, frozen):
    client = client_for(salesperson)
    for q in ({"day": "9999-99-99"}, {"day": "abc"}, {"day": "0001-01-01"}, {"owner": "x"}):
        assert client.get(reverse("visits:calendar"), q).status_code == 200
    # A NUL byte in any query string is a 400 page in Chinese (BadQueryStringMiddleware), never a 500.
    assert client.get(reverse("visits:calendar"), {"view": "\x00"}).status_code == 400


# --- iCal feed ------------------------------------------------------------------------------------


def test_the_ical_feed_parses_with_each_plan_and_a_revoked_address_is_404(
    client_for, salesperson, customer, frozen, settings
):
    from django.test import Client

    client = Client()
    settings.SITE_URL = "https://crm.example.com"
    customer.address = "上海市浦东新区张江路100号"
    customer.save()
    p = plan(salesperson, customer, at=NOW + timedelta(weeks=3), purpose="年度合同洽谈")
    user_client = client_for(salesperson)
    user_client.post(reverse("visits:feed_settings"), {"action": "create"})
    page = user_client.get(reverse("visits:feed_settings")).content.decode()
    token = salesperson.calendar_feed.token
    assert f"https://crm.example.com/visits/calendar/feed/{token}.ics" in page
    path = reverse("visits:feed", args=[token])
    response = client.get(path)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    events = list(Calendar.from_ical(response.content).walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    assert "年度合同洽谈" in str(event["SUMMARY"]) and "恒力机械" in str(event["SUMMARY"])
    assert str(event["LOCATION"]) == "上海市浦东新区张江路100号"
    assert str(event["URL"]) == f"https://crm.example.com/visits/plans/{p.pk}/"
    assert event.decoded("DTSTART") == p.planned_at
    user_client.post(reverse("visits:feed_settings"), {"action": "revoke"})
    assert client.get(path).status_code == 404


def test_renewing_the_feed_address_kills_the_old_one(client, salesperson, frozen):
    old = cal.calendar_feed_create(user=salesperson).token
    new = cal.calendar_feed_create(user=salesperson).token
    assert old != new
    assert client.get(reverse("visits:feed", args=[old])).status_code == 404
    assert client.get(reverse("visits:feed", args=[new])).status_code == 200


def test_the_feed_of_a_deactivated_user_is_404(client, salesperson, frozen):
    token = cal.calendar_feed_create(user=salesperson).token
    salesperson.is_active = False
    salesperson.save()
    assert client.get(reverse("visits:feed", args=[token])).status_code == 404


# --- check-in -------------------------------------------------------------------------------------


def office_location(customer, assistant, at=HQ):
    return checkin.customer_location_set(
        actor=assistant, customer_id=customer.pk, latitude=at[0], longitude=at[1]
    )


def test_distance_is_the_great_circle_distance():
    assert abs(checkin.distance_m(*HQ, *FIVE_KM_EAST) - 5000) < 60
    assert checkin.distance_m(*HQ, *HQ) == 0


def test_an_onsite_report_5_km_away_is_flagged_and_counted_apart(
    salesperson, assistant, manager, customer, frozen
):
    office_location(customer, assistant)
    near = report(salesperson, customer, position=(31.2310, 121.4740))
    far = report(salesperson, customer, position=FIVE_KM_EAST)
    blind = report(salesperson, customer)
    phone = report(salesperson, customer, mode="phone")
    assert (near.checkin_flagged, near.checkin_distance_m < 100) == (False, True)
    assert far.checkin_flagged and 4900 < far.checkin_distance_m < 5100
    assert blind.checkin_flagged and blind.checkin_latitude is None
    assert not phone.checkin_flagged
    from visits.selectors import flagged_checkins, team_summary

    summary = team_summary(manager, now=NOW)
    assert (summary["onsite_checked_in"], summary["onsite_flagged"]) == (1, 2)
    assert set(flagged_checkins(manager, since=TODAY.replace(day=1))) == {far, blind}


def test_the_policy_distance_is_a_setting(salesperson, assistant, customer, frozen):
    office_location(customer, assistant)
    policy = VisitPolicy.load()
    policy.checkin_max_distance_m = 6000
    policy.save()
    assert not report(salesperson, customer, position=FIVE_KM_EAST).checkin_flagged


def test_the_first_checked_in_visit_proposes_the_location_and_the_manager_confirms_it(
    client_for, salesperson, manager, customer, frozen
):
    first = report(salesperson, customer, position=FIVE_KM_EAST)
    loc = CustomerLocation.objects.get(customer=customer)
    assert (loc.source, loc.confirmed, loc.proposed_by_report_id) == (LocationSource.CHECKIN, False, first.pk)
    assert first.checkin_distance_m is None and not first.checkin_flagged
    report(salesperson, customer, position=HQ)  # a second check-in does not move an unconfirmed proposal
    loc.refresh_from_db()
    assert (loc.latitude, loc.longitude) == FIVE_KM_EAST
    team = client_for(manager).get(reverse("visits:team")).content.decode()
    assert 'data-testid="proposed-locations"' in team
    assert (
        client_for(salesperson).post(reverse("visits:location_confirm", args=[customer.pk])).status_code
        == 403
    )
    response = client_for(manager).post(reverse("visits:location_confirm", args=[customer.pk]))
    assert response.status_code == 302
    loc.refresh_from_db()
    assert loc.confirmed
    assert report(salesperson, customer, position=HQ).checkin_flagged  # 5 km from the confirmed place


def test_the_report_form_sends_the_position_and_the_detail_shows_the_distance(
    client_for, salesperson, assistant, customer, frozen
):
    office_location(customer, assistant)
    client = client_for(salesperson)
    form = client.get(reverse("visits:report_create"), {"customer": customer.pk}).content.decode()
    assert 'name="checkin_latitude"' in form and "js/checkin.js" in form
    response = client.post(
        reverse("visits:report_create"),
        {
            "customer": customer.pk,
            "visited_on": TODAY.isoformat(),
            "mode": "onsite",
            "checkin_latitude": str(FIVE_KM_EAST[0]),
            "checkin_longitude": str(FIVE_KM_EAST[1]),
            "checkin_accuracy": "25",
            "checkin_at": str(int(NOW.timestamp() * 1000)),
            **{f"step_{i}_owner": salesperson.pk for i in range(3)},
        },
    )
    rep = VisitReport.objects.get()
    assert response.status_code == 302 and rep.checkin_flagged and rep.checkin_accuracy_m == 25
    assert rep.checkin_at == NOW
    detail = client.get(response.url).content.decode()
    assert 'data-testid="checkin-flag"' in detail and f"{rep.checkin_distance_m}" in detail


def test_a_bad_position_is_refused_with_a_message_and_nothing_written(
    client_for, salesperson, customer, frozen
):
    response = client_for(salesperson).post(
        reverse("visits:report_create"),
        {
            "customer": customer.pk,
            "visited_on": TODAY.isoformat(),
            "mode": "onsite",
            "checkin_latitude": "91",
            "checkin_longitude": "nan",
            **{f"step_{i}_owner": salesperson.pk for i in range(3)},
        },
    )
    assert response.status_code == 200 and "位置" in response.content.decode()
    assert not VisitReport.objects.exists()


def test_only_the_office_sets_a_location(client_for, salesperson, assistant, customer, frozen):
    with pytest.raises(checkin.CheckinError):
        checkin.customer_location_set(actor=salesperson, customer_id=customer.pk, latitude=1, longitude=1)
    response = client_for(assistant).post(
        reverse("visits:location_set", args=[customer.pk]), {"latitude": "31.2", "longitude": "121.4"}
    )
    assert response.status_code == 302
    loc = CustomerLocation.objects.get()
    assert loc.confirmed and loc.source == LocationSource.ASSISTANT
    bad = client_for(assistant).post(
        reverse("visits:location_set", args=[customer.pk]), {"latitude": "abc", "longitude": ""}
    )
    assert bad.status_code == 200 and "alert-danger" in bad.content.decode()


# --- customers near me ----------------------------------------------------------------------------


def test_customers_near_me_sorted_by_distance_with_grade_and_days(
    client_for, salesperson, other_salesperson, assistant, frozen, django_assert_max_num_queries
):
    close = cadence_customer(salesperson, grade="A", visited_days_ago=12, name="近的有限公司")
    far = cadence_customer(salesperson, grade="B", visited_days_ago=None, name="远的有限公司")
    unknown = CustomerFactory(owner=salesperson, name="没有位置有限公司")
    theirs = CustomerFactory(owner=other_salesperson, name="同事的有限公司")
    office_location(close, assistant, at=(31.2310, 121.4740))
    office_location(far, assistant, at=FIVE_KM_EAST)
    office_location(theirs, assistant, at=HQ)
    client = client_for(salesperson)
    with django_assert_max_num_queries(10):
        body = client.get(reverse("visits:nearby"), {"lat": HQ[0], "lng": HQ[1]}).content.decode()
    assert body.index(f"nearby-{close.pk}") < body.index(f"nearby-{far.pk}")
    assert f"nearby-{unknown.pk}" not in body and f"nearby-{theirs.pk}" not in body
    assert "12 天前" in body and "从未上门拜访" in body
    assert client.get(reverse("visits:nearby"), {"lat": "x", "lng": "1"}).status_code == 200


# --- 14.13 ----------------------------------------------------------------------------------------


def test_overdue_customers_open_the_customer_page(client_for, salesperson, frozen):
    late = cadence_customer(salesperson, grade="A", visited_days_ago=75)
    client = client_for(salesperson)
    mine = client.get(reverse("visits:mine")).content.decode()
    assert f'href="/customers/{late.pk}/" data-testid="overdue-open-{late.pk}"' in mine
    home = client.get(reverse("home")).content.decode()
    assert f'href="/customers/{late.pk}/" data-testid="widget-overdue-{late.pk}"' in home


def test_missed_plan_shows_on_the_customer_page(client_for, salesperson, customer, frozen):
    p = plan(salesperson, customer, at=NOW - timedelta(days=5))
    assert p.status == PlanStatus.PLANNED
    body = client_for(salesperson).get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "未执行" in body.split('data-testid="visits-panel"')[1]
