"""§10: a department surveys at least every 6 months (policy); its managers are reminded in the
digest from two weeks before the date, once per due date, across reruns and late runs."""

import datetime as dt

import pytest

from crm.models import Notification
from surveys import services
from surveys.models import SurveyPolicy, SurveyRound

pytestmark = pytest.mark.django_db

TZ = dt.timezone(dt.timedelta(hours=8))


def at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 6, 20, tzinfo=TZ)


def opened(manager, day: dt.date) -> SurveyRound:
    return SurveyRound.objects.create(
        department_id=manager.department_id,
        title=f"{day}",
        opened_on=day,
        closes_on=day + dt.timedelta(days=30),
        created_by=manager,
    )


def reminders(manager):
    return list(Notification.objects.filter(recipient=manager, kind="surveys_round_due"))


def test_due_date_is_six_months_after_the_last_round_reminded_two_weeks_ahead(manager, south_manager):
    opened(manager, dt.date(2026, 5, 31))
    opened(south_manager, dt.date(2026, 11, 1))
    due = dt.date(2026, 11, 30)  # 31 May + 6 calendar months
    assert services.survey_rounds_due_notify(now=at(due - dt.timedelta(days=15)))["reminders"] == 0
    summary = services.survey_rounds_due_notify(now=at(due - dt.timedelta(days=14)))
    assert summary["reminders"] == 1
    (n,) = reminders(manager)
    assert n.delivery == "digest" and "2026-11-30" in n.title and "2026-05-31" in n.body
    assert n.url == "/surveys/rounds/"
    assert reminders(south_manager) == []


def test_one_reminder_per_due_date_across_reruns_and_late_runs_and_a_new_round_resets(manager):
    opened(manager, dt.date(2026, 1, 10))
    for day in (dt.date(2026, 7, 1), dt.date(2026, 7, 10), dt.date(2026, 9, 30)):
        services.survey_rounds_due_notify(now=at(day))
    assert len(reminders(manager)) == 1
    opened(manager, dt.date(2026, 10, 1))
    assert services.survey_rounds_due_notify(now=at(dt.date(2026, 10, 2)))["reminders"] == 0
    assert services.survey_rounds_due_notify(now=at(dt.date(2027, 3, 18)))["reminders"] == 1  # due 1 April


def test_the_interval_is_policy_and_a_department_without_rounds_is_reminded_monthly(manager):
    policy = SurveyPolicy.load()
    policy.round_interval_months = 3
    policy.save()
    assert services.survey_rounds_due_notify(now=at(dt.date(2026, 11, 29)))["reminders"] >= 1
    assert services.survey_rounds_due_notify(now=at(dt.date(2026, 11, 30)))["reminders"] == 0
    assert services.survey_rounds_due_notify(now=at(dt.date(2026, 12, 1)))["reminders"] >= 1
    assert "3" in reminders(manager)[0].body
    opened(manager, dt.date(2026, 12, 5))
    assert services.survey_rounds_due_notify(now=at(dt.date(2027, 2, 18)))["reminders"] == 0
    assert services.survey_rounds_due_notify(now=at(dt.date(2027, 2, 19)))["reminders"] == 1  # due 5 March
