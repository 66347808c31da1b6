import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction

from complaints import services
from complaints.models import ComplaintPolicy, EventKind, Status, Ticket, TicketCounter, TicketEvent
from crm.models import AuditLog, Notification, Role
from tests.factories import CustomerFactory, UserFactory

from .conftest import at

pytestmark = pytest.mark.django_db


# --- Numbers and deadlines ------------------------------------------------------------------------


def test_numbers_count_per_year_of_receipt_in_shanghai_time(open_ticket, salesperson, customer):
    with time_machine.travel(at(2026, 3, 1, 9), tick=False):
        first = open_ticket(salesperson, customer)
        second = open_ticket(salesperson, customer)
        # 2025-12-31 23:30 in Shanghai is 15:30 UTC: the year is 2025, not by UTC either way.
        late = open_ticket(salesperson, customer, received_at=at(2025, 12, 31, 23, 30))
    assert (first.number, second.number) == ("TS-2026-000001", "TS-2026-000002")
    assert late.number == "TS-2025-000001"
    assert TicketCounter.objects.get(year=2026).last_number == 2


def test_a_number_is_never_reused_after_a_failed_creation(open_ticket, salesperson, customer):
    with time_machine.travel(at(2026, 5, 1, 9), tick=False):
        open_ticket(salesperson, customer)
        with pytest.raises(services.ComplaintError):
            open_ticket(salesperson, customer, channel="carrier-pigeon")
        again = open_ticket(salesperson, customer)
    assert again.number == "TS-2026-000002"
    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.filter(pk=again.pk).update(number="TS-2026-000001")


@pytest.mark.parametrize(
    ("province", "received", "deadline"),
    [
        # in-province (上海市 is the default company province): 24 hours, across midnight
        ("上海市", at(2026, 3, 10, 22, 15), at(2026, 3, 11, 22, 15)),
        # out-of-province: 48 hours, across a month end and a leap-free February
        ("广东省", at(2026, 2, 27, 18, 0), at(2026, 3, 1, 18, 0)),
        # across the year end
        ("上海市", at(2026, 12, 31, 23, 59), at(2027, 1, 1, 23, 59)),
        ("江苏省", at(2026, 4, 30, 23, 0), at(2026, 5, 2, 23, 0)),
    ],
)
def test_deadline_is_24_hours_in_province_and_48_outside(
    open_ticket, salesperson, province, received, deadline
):
    customer = CustomerFactory(owner=salesperson, province=province)
    with time_machine.travel(received + dt.timedelta(minutes=1), tick=False):
        ticket = open_ticket(salesperson, customer, received_at=received)
    assert ticket.deadline_at == deadline
    assert ticket.in_province is (province == "上海市")


def test_company_province_is_a_setting(open_ticket, salesperson):
    policy = ComplaintPolicy.load()
    policy.company_province = "浙江省"
    policy.save()
    zhejiang = CustomerFactory(owner=salesperson, province="浙江省")
    shanghai = CustomerFactory(owner=salesperson, province="上海市")
    with time_machine.travel(at(2026, 6, 1, 10), tick=False):
        a = open_ticket(salesperson, zhejiang)
        b = open_ticket(salesperson, shanghai)
    assert a.deadline_at == at(2026, 6, 2, 10)
    assert b.deadline_at == at(2026, 6, 3, 10)


def test_an_unknown_province_gets_the_stricter_deadline(open_ticket, salesperson):
    customer = CustomerFactory(owner=salesperson, province="")
    with time_machine.travel(at(2026, 6, 1, 10), tick=False):
        ticket = open_ticket(salesperson, customer)
    assert ticket.deadline_at == at(2026, 6, 2, 10)


def test_cannot_open_a_ticket_for_a_customer_one_may_not_see(open_ticket, salesperson, south_customer):
    with pytest.raises(services.ComplaintError):
        open_ticket(salesperson, south_customer)
    assert not Ticket.objects.exists()


def test_receipt_in_the_future_is_refused(open_ticket, salesperson, customer):
    with time_machine.travel(at(2026, 6, 1, 10), tick=False), pytest.raises(services.ComplaintError):
        open_ticket(salesperson, customer, received_at=at(2026, 6, 1, 12))


def test_opening_notifies_the_department_manager_and_audits(open_ticket, assistant, manager, customer):
    ticket = open_ticket(assistant, customer)
    assert ticket.received_by == assistant and ticket.status == Status.RECEIVED
    assert Notification.objects.filter(recipient=manager, kind="complaint_received").count() == 1
    assert AuditLog.objects.filter(action="complaints.ticket.created", target_id=str(ticket.pk)).exists()


# --- Escalation as a major complaint --------------------------------------------------------------


def test_claim_at_the_threshold_escalates_to_gm_office(open_ticket, salesperson, customer, gm_office):
    below = open_ticket(salesperson, customer, claim_amount=Decimal("99999.99"))
    at_threshold = open_ticket(salesperson, customer, claim_amount=Decimal("100000"))
    assert not below.is_major
    assert at_threshold.is_major and at_threshold.major_at is not None
    assert list(
        Notification.objects.filter(kind="complaint_major").values_list("recipient_id", flat=True)
    ) == [gm_office.pk]


def test_manager_escalates_any_open_state_once(open_ticket, salesperson, manager, customer, gm_office):
    ticket = open_ticket(salesperson, customer)
    with pytest.raises(services.ComplaintError):
        services.ticket_escalate(actor=salesperson, ticket_id=ticket.pk, reason="影响重大")
    services.ticket_escalate(actor=manager, ticket_id=ticket.pk, reason="影响重大")
    with pytest.raises(services.ComplaintError):
        services.ticket_escalate(actor=manager, ticket_id=ticket.pk, reason="再次")
    ticket.refresh_from_db()
    assert ticket.is_major and ticket.major_reason == "影响重大"
    assert Notification.objects.filter(recipient=gm_office, kind="complaint_major").count() == 1


# --- Workflow guards ------------------------------------------------------------------------------


def test_only_the_customers_manager_assigns(
    open_ticket, salesperson, assistant, manager, south_manager, customer, east
):
    ticket = open_ticket(salesperson, customer)
    limit = ticket.deadline_at
    for actor in (salesperson, assistant, south_manager):
        with pytest.raises(services.ComplaintError):
            services.ticket_assign(
                actor=actor, ticket_id=ticket.pk, department=east, handler=assistant, time_limit_at=limit
            )
    services.ticket_assign(
        actor=manager, ticket_id=ticket.pk, department=east, handler=assistant, time_limit_at=limit
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.ASSIGNED and ticket.handler == assistant
    assert Notification.objects.filter(recipient=assistant, kind="complaint_assigned").exists()


def test_the_handler_must_belong_to_the_responsible_department(
    open_ticket, salesperson, manager, customer, south, south_salesperson
):
    ticket = open_ticket(salesperson, customer)
    with pytest.raises(services.ComplaintError):
        services.ticket_assign(
            actor=manager,
            ticket_id=ticket.pk,
            department=south,
            handler=salesperson,
            time_limit_at=ticket.deadline_at,
        )
    services.ticket_assign(
        actor=manager,
        ticket_id=ticket.pk,
        department=south,
        handler=south_salesperson,
        time_limit_at=ticket.deadline_at,
    )


def test_resolve_requires_root_cause_and_corrective_action(assigned_ticket, assistant):
    ticket = assigned_ticket(assistant)
    with pytest.raises(services.ComplaintError):
        services.ticket_resolve(
            actor=assistant, ticket_id=ticket.pk, root_cause="  ", corrective_action="更换包装"
        )
    with pytest.raises(services.ComplaintError):
        services.ticket_resolve(
            actor=assistant, ticket_id=ticket.pk, root_cause="包装强度不足", corrective_action=""
        )
    ticket.refresh_from_db()
    assert ticket.status == Status.ASSIGNED
    services.ticket_resolve(
        actor=assistant, ticket_id=ticket.pk, root_cause="包装强度不足", corrective_action="改用五层纸箱"
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED and ticket.resolved_by == assistant


def test_the_database_refuses_a_resolved_ticket_without_root_cause(assigned_ticket, assistant):
    ticket = assigned_ticket(assistant)
    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.filter(pk=ticket.pk).update(status=Status.RESOLVED)


def test_only_the_handler_or_a_manager_resolves(
    assigned_ticket, assistant, other_salesperson, salesperson, manager
):
    ticket = assigned_ticket(assistant)
    for actor in (salesperson, other_salesperson):
        with pytest.raises(services.ComplaintError):
            services.ticket_resolve(actor=actor, ticket_id=ticket.pk, root_cause="x", corrective_action="y")
    services.ticket_resolve(actor=manager, ticket_id=ticket.pk, root_cause="x", corrective_action="y")


def test_illegal_transitions_are_refused(open_ticket, salesperson, manager, customer):
    ticket = open_ticket(salesperson, customer)
    with pytest.raises(services.ComplaintError):  # 已受理 → 已处理 skips assignment
        services.ticket_resolve(actor=manager, ticket_id=ticket.pk, root_cause="x", corrective_action="y")
    with pytest.raises(services.ComplaintError):
        services.ticket_return_visit_record(
            actor=salesperson, ticket_id=ticket.pk, satisfaction=5, confirmation="ok"
        )
    with pytest.raises(services.ComplaintError):
        services.ticket_close(actor=manager, ticket_id=ticket.pk)
    ticket.refresh_from_db()
    assert ticket.status == Status.RECEIVED


def _resolved(assigned_ticket, handler):
    ticket = assigned_ticket(handler)
    services.ticket_resolve(
        actor=handler, ticket_id=ticket.pk, root_cause="包装强度不足", corrective_action="改用五层纸箱"
    )
    return ticket


def test_return_visit_by_the_salesperson_links_a_visit_report_and_the_manager_closes(
    assigned_ticket, assistant, salesperson, other_salesperson, manager
):
    ticket = _resolved(assigned_ticket, assistant)
    with pytest.raises(services.ComplaintError):  # cannot see the customer
        services.ticket_return_visit_record(
            actor=other_salesperson, ticket_id=ticket.pk, satisfaction=4, confirmation="ok"
        )
    with pytest.raises(services.ComplaintError):  # assistants keep archives; the salesperson calls back
        services.ticket_return_visit_record(
            actor=assistant, ticket_id=ticket.pk, satisfaction=4, confirmation="ok"
        )
    with pytest.raises(services.ComplaintError):
        services.ticket_return_visit_record(
            actor=salesperson, ticket_id=ticket.pk, satisfaction=6, confirmation="ok"
        )
    services.ticket_return_visit_record(
        actor=salesperson, ticket_id=ticket.pk, satisfaction=4, confirmation="客户确认已解决"
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.RETURN_VISITED and ticket.satisfaction == 4

    from visits.models import VisitReport

    report = VisitReport.objects.get(pk=ticket.return_visit_report_id)
    assert report.customer_id == ticket.customer_id and report.author == salesperson
    assert report.purpose == "return_visit" and report.reference == f"complaint:{ticket.pk}"

    with pytest.raises(services.ComplaintError):
        services.ticket_close(actor=salesperson, ticket_id=ticket.pk)
    services.ticket_close(actor=manager, ticket_id=ticket.pk)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds == [
        EventKind.RECEIVED,
        EventKind.ASSIGNED,
        EventKind.RESOLVED,
        EventKind.RETURN_VISITED,
        EventKind.CLOSED,
    ]


def test_closed_tickets_take_no_feedback_and_no_escalation(assigned_ticket, assistant, salesperson, manager):
    ticket = _resolved(assigned_ticket, assistant)
    services.ticket_return_visit_record(
        actor=salesperson, ticket_id=ticket.pk, satisfaction=5, confirmation="满意"
    )
    services.ticket_close(actor=manager, ticket_id=ticket.pk)
    with pytest.raises(services.ComplaintError):
        services.feedback_add(
            actor=salesperson, ticket_id=ticket.pk, given_at=ticket.received_at, method="phone", content="x"
        )
    with pytest.raises(services.ComplaintError):
        services.ticket_escalate(actor=manager, ticket_id=ticket.pk, reason="x")


# --- The complaint-deadlines job ------------------------------------------------------------------


def test_deadline_job_escalates_once_to_the_manager(open_ticket, salesperson, manager, customer, gm_office):
    with time_machine.travel(at(2026, 3, 31, 20), tick=False):
        ticket = open_ticket(salesperson, customer)  # in-province: due 2026-04-01 20:00
    before = services.complaint_deadlines_escalate(now=at(2026, 4, 1, 19, 59))
    assert before == {"overdue": 0, "notifications": 0}
    first = services.complaint_deadlines_escalate(now=at(2026, 4, 1, 21))
    again = services.complaint_deadlines_escalate(now=at(2026, 4, 1, 22))
    assert first == {"overdue": 1, "notifications": 1}
    assert again == {"overdue": 0, "notifications": 0}
    assert Notification.objects.filter(kind="complaint_overdue", recipient=manager).count() == 1
    assert not Notification.objects.filter(kind="complaint_overdue", recipient=gm_office).exists()
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.OVERDUE).count() == 1
    ticket.refresh_from_db()
    assert ticket.overdue_escalated_at == at(2026, 4, 1, 21)


def test_deadline_job_also_tells_the_handler_and_the_responsible_departments_manager(
    open_ticket, salesperson, manager, customer, south, south_manager, south_salesperson
):
    with time_machine.travel(at(2026, 3, 1, 9), tick=False):
        ticket = open_ticket(salesperson, customer)
        services.ticket_assign(
            actor=manager,
            ticket_id=ticket.pk,
            department=south,
            handler=south_salesperson,
            time_limit_at=ticket.deadline_at,
        )
    services.complaint_deadlines_escalate(now=at(2026, 3, 5, 9))
    recipients = set(
        Notification.objects.filter(kind="complaint_overdue").values_list("recipient_id", flat=True)
    )
    assert recipients == {manager.pk, south_manager.pk, south_salesperson.pk}


def test_deadline_job_never_touches_resolved_or_closed_tickets(
    assigned_ticket, assistant, salesperson, manager
):
    with time_machine.travel(at(2026, 3, 1, 9), tick=False):
        resolved = _resolved(assigned_ticket, assistant)
        closed = _resolved(assigned_ticket, assistant)
        services.ticket_return_visit_record(
            actor=salesperson, ticket_id=closed.pk, satisfaction=3, confirmation="ok"
        )
        services.ticket_close(actor=manager, ticket_id=closed.pk)
    result = services.complaint_deadlines_escalate(now=at(2026, 4, 1, 9))
    assert result == {"overdue": 0, "notifications": 0}
    assert not Ticket.objects.filter(
        pk__in=[resolved.pk, closed.pk], overdue_escalated_at__isnull=False
    ).exists()
    assert not Notification.objects.filter(kind="complaint_overdue").exists()


def test_deadline_job_runs_through_the_runner_and_is_set_based(
    open_ticket, salesperson, customer, manager, django_assert_max_num_queries
):
    from crm import jobs

    with time_machine.travel(at(2026, 3, 1, 9), tick=False):
        for _ in range(12):
            open_ticket(salesperson, CustomerFactory(owner=salesperson, province="广东省"))
    with django_assert_max_num_queries(12):
        result = services.complaint_deadlines_escalate(now=at(2026, 3, 10, 9))
    assert result["overdue"] == 12
    assert jobs.run_job("complaint-deadlines", now=at(2026, 3, 10, 10)) == {"overdue": 0, "notifications": 0}


# --- Feedback --------------------------------------------------------------------------------------


def test_feedback_is_logged_with_when_how_what(open_ticket, salesperson, customer):
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        ticket = open_ticket(salesperson, customer)
    with time_machine.travel(at(2026, 3, 2, 10), tick=False):
        fb = services.feedback_add(
            actor=salesperson,
            ticket_id=ticket.pk,
            given_at=at(2026, 3, 2, 9, 30),
            method="wechat",
            content="已安排质检人员",
        )
        with pytest.raises(services.ComplaintError):  # before receipt
            services.feedback_add(
                actor=salesperson,
                ticket_id=ticket.pk,
                given_at=at(2026, 3, 1, 8),
                method="phone",
                content="x",
            )
    assert (fb.method, fb.content, fb.given_by) == ("wechat", "已安排质检人员", salesperson)
    assert ticket.events.filter(kind=EventKind.FEEDBACK).count() == 1


def test_a_feedback_in_the_minute_of_receipt_is_accepted_and_logged_after_it(
    open_ticket, salesperson, customer
):
    # Field test 20: the form has minutes, the receipt seconds (received 09:00:40, feedback "09:00").
    import datetime as dt

    with time_machine.travel(at(2026, 3, 2, 9) + dt.timedelta(seconds=40), tick=False):
        ticket = open_ticket(salesperson, customer)
    with time_machine.travel(at(2026, 3, 2, 9, 5), tick=False):
        fb = services.feedback_add(
            actor=salesperson,
            ticket_id=ticket.pk,
            given_at=at(2026, 3, 2, 9),
            method="phone",
            content="已受理，正在安排",
        )
        with pytest.raises(services.ComplaintError):  # the minute before receipt is still refused
            services.feedback_add(
                actor=salesperson,
                ticket_id=ticket.pk,
                given_at=at(2026, 3, 2, 8, 59),
                method="phone",
                content="x",
            )
    assert fb.given_at == ticket.received_at


def test_any_role_may_open_a_ticket_it_sees(open_ticket, gm_office, customer):
    ticket = open_ticket(gm_office, customer)
    assert ticket.received_by == gm_office


def test_inactive_handler_is_refused(open_ticket, salesperson, manager, customer, east):
    gone = UserFactory(username="gone", role=Role.SALESPERSON, department=east, is_active=False)
    ticket = open_ticket(salesperson, customer)
    with pytest.raises(services.ComplaintError):
        services.ticket_assign(
            actor=manager,
            ticket_id=ticket.pk,
            department=east,
            handler=gone,
            time_limit_at=ticket.deadline_at,
        )
