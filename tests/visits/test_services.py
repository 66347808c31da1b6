from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.models import Notification
from customers.models import Customer, CustomerStatus
from visits import jobs, selectors, services
from visits.models import (
    NextStep,
    PlanStatus,
    VisitAttachment,
    VisitMode,
    VisitPlan,
    VisitPolicy,
    VisitPurpose,
    VisitReport,
)

from .conftest import NOW, PNG_BYTES, TODAY, cadence_customer

pytestmark = pytest.mark.django_db


def overdue_ids(**kw):
    return {
        c.pk: c.days_overdue for c in selectors.overdue_customers(Customer.objects.all(), today=TODAY, **kw)
    }


def report_data(**overrides):
    return {"visited_on": TODAY, "mode": VisitMode.ONSITE, "latest_needs": "需要新型号报价", **overrides}


# --- Cadence ---------------------------------------------------------------------------------


def test_a_customer_visited_60_days_ago_is_not_overdue_61_is(salesperson):
    on_time = cadence_customer(salesperson, grade="A", visited_days_ago=60)
    late = cadence_customer(salesperson, grade="A", visited_days_ago=61)
    assert overdue_ids() == {late.pk: 1}
    assert on_time.pk not in overdue_ids()


def test_default_intervals_by_grade(salesperson):
    b_late = cadence_customer(salesperson, grade="B", visited_days_ago=61)
    c_ok = cadence_customer(salesperson, grade="C", visited_days_ago=365)
    c_late = cadence_customer(salesperson, grade="C", visited_days_ago=366)
    d_never = cadence_customer(salesperson, grade="D", visited_days_ago=3000)
    found = overdue_ids()
    assert found == {b_late.pk: 1, c_late.pk: 1}
    assert c_ok.pk not in found and d_never.pk not in found


def test_never_visited_counts_from_the_day_the_grade_was_given(salesperson):
    fresh = cadence_customer(salesperson, grade="A", graded_days_ago=60)
    stale = cadence_customer(salesperson, grade="A", graded_days_ago=70)
    assert overdue_ids() == {stale.pk: 10}
    assert fresh.pk not in overdue_ids()


def test_policy_is_editable(salesperson):
    customer = cadence_customer(salesperson, grade="A", visited_days_ago=40)
    policy = VisitPolicy.load()
    policy.grade_a_days = 30
    policy.save()
    assert overdue_ids() == {customer.pk: 10}
    policy.grade_a_days = None
    policy.save()
    assert overdue_ids() == {}


def test_grade_change_moves_the_interval(salesperson):
    customer = cadence_customer(salesperson, grade="C", visited_days_ago=100)
    assert overdue_ids() == {}
    Customer.objects.filter(pk=customer.pk).update(grade="A")  # as grading's approval does
    assert overdue_ids() == {customer.pk: 40}
    Customer.objects.filter(pk=customer.pk).update(grade="D")
    assert overdue_ids() == {}


def test_blacklisted_inactive_and_ungraded_customers_have_no_cadence(salesperson):
    cadence_customer(
        salesperson,
        grade="A",
        visited_days_ago=200,
        is_blacklisted=True,
        blacklisted_until=TODAY + timedelta(days=30),
    )
    cadence_customer(salesperson, grade="A", visited_days_ago=200, status=CustomerStatus.INACTIVE)
    cadence_customer(salesperson, grade="", visited_days_ago=200)
    assert overdue_ids() == {}


def test_phone_and_email_reports_do_not_count_for_the_cadence(salesperson, frozen):
    customer = cadence_customer(salesperson, grade="A", visited_days_ago=61)
    for mode in (VisitMode.PHONE, VisitMode.EMAIL, VisitMode.VIDEO):
        services.visit_report_create(author=salesperson, customer_id=customer.pk, data=report_data(mode=mode))
    customer.refresh_from_db()
    assert customer.last_onsite_visit_on == TODAY - timedelta(days=61)
    assert customer.pk in overdue_ids()
    services.visit_report_create(author=salesperson, customer_id=customer.pk, data=report_data())
    customer.refresh_from_db()
    assert customer.last_onsite_visit_on == TODAY
    assert customer.pk not in overdue_ids()


def test_an_older_onsite_report_does_not_move_the_last_visit_back(salesperson, frozen):
    customer = cadence_customer(salesperson, grade="A", visited_days_ago=5)
    services.visit_report_create(
        author=salesperson, customer_id=customer.pk, data=report_data(visited_on=TODAY - timedelta(days=30))
    )
    customer.refresh_from_db()
    assert customer.last_onsite_visit_on == TODAY - timedelta(days=5)


def test_next_due_on(salesperson):
    policy = VisitPolicy.load()
    customer = cadence_customer(salesperson, grade="B", visited_days_ago=10)
    assert selectors.next_due_on(customer, policy=policy) == TODAY + timedelta(days=50)
    customer.grade = "D"
    assert selectors.next_due_on(customer, policy=policy) is None


# --- The overdue-visits job ------------------------------------------------------------------


def test_job_reminds_owner_and_manager_once_per_period(salesperson, manager, south_manager, frozen):
    late = cadence_customer(salesperson, grade="A", visited_days_ago=61)
    cadence_customer(salesperson, grade="A", visited_days_ago=50)
    summary = jobs.overdue_visits_notify(now=NOW)
    assert summary == {"overdue": 1, "reminders": 2}
    keys = set(Notification.objects.values_list("recipient__username", "dedup_key"))
    due = (TODAY - timedelta(days=1)).isoformat()
    assert keys == {
        ("sales1", f"visit-overdue:{late.pk}:{due}"),
        ("manager1", f"visit-overdue:{late.pk}:{due}"),
    }

    # Twice the same day, and late on the following days: nothing new.
    assert jobs.overdue_visits_notify(now=NOW)["reminders"] == 0
    assert jobs.overdue_visits_notify(now=NOW + timedelta(days=3))["reminders"] == 0
    assert Notification.objects.count() == 2


def test_a_new_period_gets_a_new_reminder(salesperson, manager, frozen):
    customer = cadence_customer(salesperson, grade="A", visited_days_ago=61)
    jobs.overdue_visits_notify(now=NOW)
    services.visit_report_create(author=salesperson, customer_id=customer.pk, data=report_data())
    assert jobs.overdue_visits_notify(now=NOW + timedelta(days=60))["reminders"] == 0
    assert jobs.overdue_visits_notify(now=NOW + timedelta(days=61))["reminders"] == 2
    assert Notification.objects.filter(recipient=salesperson).count() == 2


def test_job_skips_blacklisted_and_inactive(salesperson, manager, frozen):
    cadence_customer(
        salesperson,
        grade="A",
        visited_days_ago=90,
        is_blacklisted=True,
        blacklisted_until=TODAY + timedelta(days=9),
    )
    cadence_customer(salesperson, grade="A", visited_days_ago=90, status=CustomerStatus.INACTIVE)
    assert jobs.overdue_visits_notify(now=NOW) == {"overdue": 0, "reminders": 0}


def test_job_is_set_based(salesperson, other_salesperson, manager, frozen, django_assert_max_num_queries):
    for i in range(40):
        cadence_customer(salesperson if i % 2 else other_salesperson, grade="A", visited_days_ago=61 + i)
    # 10: the read, the managers, the routing (two reads of preferences, issue 16), the insert
    with django_assert_max_num_queries(10):
        summary = jobs.overdue_visits_notify(now=NOW)
    assert summary == {"overdue": 40, "reminders": 80}


def test_job_keeps_dedup_and_leaves_reminders_to_the_digest(
    salesperson,
    other_salesperson,
    manager,
    frozen,
    django_capture_on_commit_callbacks,
):
    late = [
        cadence_customer(salesperson if i % 2 else other_salesperson, grade="A", visited_days_ago=61 + i)
        for i in range(3)
    ]
    with django_capture_on_commit_callbacks() as callbacks:
        assert jobs.overdue_visits_notify(now=NOW) == {"overdue": 3, "reminders": 6}
    assert callbacks == [], "reminders wait for the daily digest (issue 16): nothing to e-mail now"
    first = Notification.objects.get(recipient=manager, dedup_key__startswith=f"visit-overdue:{late[0].pk}:")
    assert first.kind == "visit_overdue_manager" and first.url == f"/customers/{late[0].pk}/"
    assert late[0].name in first.title and (TODAY - timedelta(days=1)).isoformat() in first.body
    assert first.created_at == NOW and first.delivery == "digest"
    # the e-mail outbox is done with it at once: its message is the digest
    assert first.read_at is None and first.emailed_at == NOW and first.email_failures == 0
    with django_capture_on_commit_callbacks() as callbacks:
        assert jobs.overdue_visits_notify(now=NOW + timedelta(days=1))["reminders"] == 0
    assert callbacks == [] and Notification.objects.count() == 6


def test_job_runs_through_the_runner(salesperson, manager, frozen):
    from crm.jobs import run_job

    cadence_customer(salesperson, grade="B", visited_days_ago=70)
    assert run_job("overdue-visits", now=NOW) == {"overdue": 1, "reminders": 2}


# --- Plans -----------------------------------------------------------------------------------


def plan_data(**overrides):
    return {"purpose": "季度回顾", "planned_at": NOW + timedelta(hours=4), **overrides}


def test_plan_lifecycle(salesperson, customer, contact, frozen):
    plan = services.visit_plan_create(
        actor=salesperson, customer_id=customer.pk, data=plan_data(contact_ids=[contact.pk])
    )
    assert plan.status == PlanStatus.PLANNED
    assert list(plan.visitors.all()) == [salesperson]
    assert list(plan.contacts.all()) == [contact]
    assert services.visit_plan_confirm(actor=salesperson, plan_id=plan.pk).status == PlanStatus.CONFIRMED
    with pytest.raises(services.VisitError):
        services.visit_plan_confirm(actor=salesperson, plan_id=plan.pk)
    report = services.visit_report_create(
        author=salesperson, customer_id=customer.pk, data=report_data(), plan_id=plan.pk
    )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DONE and report.plan_id == plan.pk
    with pytest.raises(services.VisitError):
        services.visit_plan_cancel(actor=salesperson, plan_id=plan.pk)


def test_cancel_keeps_the_reason(salesperson, customer, frozen):
    plan = services.visit_plan_create(actor=salesperson, customer_id=customer.pk, data=plan_data())
    plan = services.visit_plan_cancel(actor=salesperson, plan_id=plan.pk, reason="客户出差")
    assert (plan.status, plan.cancel_reason) == (PlanStatus.CANCELLED, "客户出差")


def test_no_new_plan_for_a_blacklisted_customer(salesperson, customer, frozen):
    Customer.objects.filter(pk=customer.pk).update(
        is_blacklisted=True, blacklisted_until=TODAY + timedelta(days=90)
    )
    with pytest.raises(services.VisitError, match="blacklist|黑名单"):
        services.visit_plan_create(actor=salesperson, customer_id=customer.pk, data=plan_data())
    assert not VisitPlan.objects.exists()


def test_plan_contacts_must_belong_to_the_customer(salesperson, customer, other_customer, frozen):
    from tests.factories import ContactFactory

    stranger = ContactFactory(customer=other_customer)
    with pytest.raises(services.VisitError):
        services.visit_plan_create(
            actor=salesperson, customer_id=customer.pk, data=plan_data(contact_ids=[stranger.pk])
        )


def test_visitors_come_from_the_customers_department(
    salesperson, other_salesperson, south_salesperson, customer, frozen
):
    plan = services.visit_plan_create(
        actor=salesperson,
        customer_id=customer.pk,
        data=plan_data(visitor_ids=[salesperson.pk, other_salesperson.pk]),
    )
    assert set(plan.visitors.all()) == {salesperson, other_salesperson}
    with pytest.raises(services.VisitError):
        services.visit_plan_create(
            actor=salesperson, customer_id=customer.pk, data=plan_data(visitor_ids=[south_salesperson.pk])
        )


# --- Reports ---------------------------------------------------------------------------------


def test_future_visit_dates_are_refused(salesperson, customer, frozen):
    with pytest.raises(services.VisitError):
        services.visit_report_create(
            author=salesperson,
            customer_id=customer.pk,
            data=report_data(visited_on=TODAY + timedelta(days=1)),
        )
    assert not VisitReport.objects.exists()


def test_report_with_people_met_next_steps_and_photo(
    salesperson, customer, contact, frozen, settings, tmp_path
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    photo = SimpleUploadedFile("现场.png", PNG_BYTES, content_type="image/png")
    report = services.visit_report_create(
        author=salesperson,
        customer_id=customer.pk,
        attachments=[photo],
        data=report_data(
            contact_ids=[contact.pk],
            cooperation_intent="strong",
            next_steps=[
                {"text": "发送报价单", "due_on": TODAY + timedelta(days=3)},
                {"text": "", "due_on": None},
            ],
        ),
    )
    assert list(report.contacts.all()) == [contact]
    assert [(s.text, s.owner) for s in report.next_steps.all()] == [("发送报价单", salesperson)]
    att = report.attachments.get()
    assert (att.original_name, att.content_type, att.is_image) == ("现场.png", "image/png", True)


def test_a_disguised_file_is_refused_and_nothing_is_written(salesperson, customer, frozen):
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 this is an exe", content_type="image/jpeg")
    with pytest.raises(services.VisitError):
        services.visit_report_create(
            author=salesperson, customer_id=customer.pk, data=report_data(), attachments=[fake]
        )
    assert not VisitReport.objects.exists() and not VisitAttachment.objects.exists()
    customer.refresh_from_db()
    assert customer.last_onsite_visit_on is None


def test_return_visit_for_the_complaints_app(salesperson, customer, frozen):
    report = services.visit_report_create(
        author=salesperson,
        customer_id=customer.pk,
        data=report_data(mode=VisitMode.PHONE),
        purpose=VisitPurpose.RETURN_VISIT,
        reference="complaint:7",
    )
    assert (report.purpose, report.reference) == ("return_visit", "complaint:7")


def test_a_plan_of_another_customer_cannot_be_completed(salesperson, customer, frozen):
    from tests.factories import CustomerFactory

    mine = CustomerFactory(owner=salesperson)
    plan = services.visit_plan_create(actor=salesperson, customer_id=mine.pk, data=plan_data())
    with pytest.raises(services.VisitError):
        services.visit_report_create(
            author=salesperson, customer_id=customer.pk, data=report_data(), plan_id=plan.pk
        )


def test_a_salesperson_cannot_write_for_anothers_customer(salesperson, other_salesperson, customer, frozen):
    with pytest.raises(Customer.DoesNotExist):
        services.visit_report_create(author=other_salesperson, customer_id=customer.pk, data=report_data())
    plan = services.visit_plan_create(actor=salesperson, customer_id=customer.pk, data=plan_data())
    with pytest.raises(VisitPlan.DoesNotExist):
        services.visit_plan_cancel(actor=other_salesperson, plan_id=plan.pk)


def test_next_step_complete(salesperson, other_salesperson, customer, frozen):
    report = services.visit_report_create(
        author=salesperson,
        customer_id=customer.pk,
        data=report_data(next_steps=[{"text": "寄样品", "due_on": TODAY}]),
    )
    step = report.next_steps.get()
    assert list(selectors.next_steps_due(salesperson, now=NOW)) == [step]
    with pytest.raises(NextStep.DoesNotExist):
        services.next_step_complete(actor=other_salesperson, step_id=step.pk)
    services.next_step_complete(actor=salesperson, step_id=step.pk, now=NOW)
    assert list(selectors.next_steps_due(salesperson, now=NOW)) == []
