import datetime as dt
from io import BytesIO

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from complaints import selectors, services
from complaints.models import ComplaintPolicy, ComplaintType, Status, Ticket
from crm.dashboards import DashboardContext
from customers.models import Customer
from screens.customer_page import PANELS
from screens.workbench import WIDGETS
from tests.factories import CustomerFactory

from .conftest import at

pytestmark = pytest.mark.django_db


# --- Selectors: feedback flag, A first, visibility -------------------------------------------------


def _flag(ticket, now):
    policy = ComplaintPolicy.load()
    t = selectors.with_recent_feedbacks(Ticket.objects.filter(pk=ticket.pk), now=now, policy=policy).get()
    in_sql = (
        selectors.with_recent_feedbacks(Ticket.objects.filter(pk=ticket.pk), now=now, policy=policy)
        .filter(selectors.feedback_missing_q(now=now, policy=policy))
        .exists()
    )
    flag = selectors.is_feedback_missing(t, now=now, policy=policy)
    assert flag == in_sql  # the list filter and the badge agree
    return flag


def test_feedback_flag_requires_two_feedbacks_in_the_last_seven_days(open_ticket, salesperson, customer):
    with time_machine.travel(at(2026, 3, 1, 9), tick=False):
        ticket = open_ticket(salesperson, customer)
    assert not _flag(ticket, at(2026, 3, 3, 9))  # two days old: nothing owed yet
    assert _flag(ticket, at(2026, 3, 5, 9))  # four days old: one feedback owed
    with time_machine.travel(at(2026, 3, 5, 10), tick=False):
        services.feedback_add(
            actor=salesperson,
            ticket_id=ticket.pk,
            given_at=at(2026, 3, 5, 10),
            method="phone",
            content="质检报告本周出",
        )
    assert not _flag(ticket, at(2026, 3, 6, 9))
    assert _flag(ticket, at(2026, 3, 8, 10))  # a full week: two owed, one given
    with time_machine.travel(at(2026, 3, 8, 11), tick=False):
        services.feedback_add(
            actor=salesperson,
            ticket_id=ticket.pk,
            given_at=at(2026, 3, 8, 11),
            method="email",
            content="补发货物已出库",
        )
    assert not _flag(ticket, at(2026, 3, 8, 12))
    assert _flag(ticket, at(2026, 3, 12, 12))  # the first one left the window


def test_feedback_flag_is_off_once_resolved(assigned_ticket, assistant):
    with time_machine.travel(at(2026, 3, 1, 9), tick=False):
        ticket = assigned_ticket(assistant)
        services.ticket_resolve(actor=assistant, ticket_id=ticket.pk, root_cause="x", corrective_action="y")
    assert not _flag(ticket, at(2026, 3, 20, 9))


def test_lists_put_a_grade_customers_first_then_by_deadline(open_ticket, salesperson, manager, client_for):
    c_near = CustomerFactory(owner=salesperson, grade="C", province="上海市")
    a_far = CustomerFactory(owner=salesperson, grade="A", province="广东省")
    b_nearest = CustomerFactory(owner=salesperson, grade="B", province="上海市")
    with time_machine.travel(at(2026, 3, 1, 9), tick=False):
        t_c = open_ticket(salesperson, c_near)
    with time_machine.travel(at(2026, 3, 1, 8), tick=False):
        t_b = open_ticket(salesperson, b_nearest)
    with time_machine.travel(at(2026, 3, 1, 10), tick=False):
        t_a = open_ticket(salesperson, a_far)
        response = client_for(manager).get(reverse("complaints:list"))
    assert [t.pk for t in response.context["page"]] == [t_a.pk, t_b.pk, t_c.pk]


def test_visibility_by_department_and_assignment(
    open_ticket,
    salesperson,
    other_salesperson,
    south_salesperson,
    south_manager,
    manager,
    gm_office,
    customer,
    south_customer,
    south,
    client_for,
):
    mine = open_ticket(salesperson, customer)
    south_ticket = open_ticket(south_salesperson, south_customer)
    assert set(selectors.ticket_list_for(salesperson)) == {mine}
    assert set(selectors.ticket_list_for(other_salesperson)) == set()
    assert set(selectors.ticket_list_for(manager)) == {mine}
    assert set(selectors.ticket_list_for(south_manager)) == {south_ticket}
    assert set(selectors.ticket_list_for(gm_office)) == {mine, south_ticket}
    # Others' ids are a 404, also for actions.
    client = client_for(other_salesperson)
    assert client.get(reverse("complaints:detail", args=[mine.pk])).status_code == 404
    assert client.post(reverse("complaints:feedback", args=[mine.pk]), {}).status_code == 404
    # Assigned to the south department: its manager and the handler now see it.
    services.ticket_assign(
        actor=manager,
        ticket_id=mine.pk,
        department=south,
        handler=south_salesperson,
        time_limit_at=mine.deadline_at,
    )
    assert mine in selectors.ticket_list_for(south_manager)
    assert mine in selectors.ticket_list_for(south_salesperson)
    assert client_for(south_salesperson).get(reverse("complaints:detail", args=[mine.pk])).status_code == 200


# --- Pages ----------------------------------------------------------------------------------------


def test_list_query_count_does_not_grow_with_rows(
    open_ticket, salesperson, manager, client_for, django_assert_max_num_queries
):
    for _ in range(15):
        t = open_ticket(salesperson, CustomerFactory(owner=salesperson))
        services.feedback_add(
            actor=salesperson, ticket_id=t.pk, given_at=t.received_at, method="phone", content="x"
        )
    client = client_for(manager)
    client.get(reverse("complaints:list"))
    with django_assert_max_num_queries(10):
        response = client.get(reverse("complaints:list"), {"scope": "department", "state": "open"})
    assert response.status_code == 200 and len(response.context["page"]) == 15
    for state in ("overdue", "flagged", "closed", "all"):
        with django_assert_max_num_queries(10):
            assert client.get(reverse("complaints:list"), {"state": state, "q": "客户"}).status_code == 200


def test_detail_page_shows_deadline_timeline_feedback_and_actions_by_role(
    open_ticket, salesperson, manager, customer, client_for, django_assert_max_num_queries
):
    with time_machine.travel(at(2026, 3, 1, 9), tick=False):
        ticket = open_ticket(salesperson, customer)
    with time_machine.travel(at(2026, 3, 1, 15), tick=False):
        for i in range(3):
            services.feedback_add(
                actor=salesperson,
                ticket_id=ticket.pk,
                given_at=at(2026, 3, 1, 10 + i),
                method="phone",
                content=f"反馈{i}",
            )
        client = client_for(manager)
        client.get(reverse("complaints:detail", args=[ticket.pk]))
        with django_assert_max_num_queries(14):
            as_manager = client.get(reverse("complaints:detail", args=[ticket.pk]))
        as_sales = client_for(salesperson).get(reverse("complaints:detail", args=[ticket.pk]))
    html = as_manager.content.decode()
    assert "2026-03-02 09:00" in html and "18" in as_manager.context["time_left"].__str__()
    assert 'data-testid="assign-form"' in html and 'data-testid="escalate-form"' in html
    assert html.count("反馈") >= 3
    sales_html = as_sales.content.decode()
    assert 'data-testid="assign-form"' not in sales_html and 'data-testid="feedback-form"' in sales_html


def test_overdue_ticket_page_says_overdue(open_ticket, salesperson, customer, client_for):
    with time_machine.travel(at(2026, 3, 1, 9), tick=False):
        ticket = open_ticket(salesperson, customer)
    with time_machine.travel(at(2026, 3, 2, 12), tick=False):
        response = client_for(salesperson).get(reverse("complaints:detail", args=[ticket.pk]))
    assert response.context["overdue"] is True
    assert response.context["time_left"] == dt.timedelta(hours=-3)


def test_open_a_ticket_from_the_customer_page_link(salesperson, customer, client_for, tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    client = client_for(salesperson)
    form = client.get(reverse("complaints:create"), {"customer": customer.pk})
    assert form.context["form"].initial["customer"] == str(customer.pk)
    photo = SimpleUploadedFile("破损.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, content_type="image/png")
    response = client.post(
        reverse("complaints:create"),
        {
            "customer": customer.pk,
            "complaint_type": "delivery",
            "channel": "phone",
            "description": "到货延迟三天",
            "claim_amount": "5000",
            "attachment": photo,
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response.url == reverse("complaints:detail", args=[ticket.pk])
    assert ticket.attachments.get().original_name == "破损.png"
    download = client.get(reverse("complaints:attachment", args=[ticket.pk, ticket.attachments.get().pk]))
    assert download.status_code == 200


def test_a_disguised_attachment_is_refused(salesperson, customer, client_for):
    fake = SimpleUploadedFile("report.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client_for(salesperson).post(
        reverse("complaints:create"),
        {
            "customer": customer.pk,
            "complaint_type": "quality",
            "channel": "email",
            "description": "x",
            "attachment": fake,
        },
    )
    assert response.status_code == 200 and not Ticket.objects.exists()


def test_actions_through_the_views(open_ticket, salesperson, manager, assistant, customer, east, client_for):
    ticket = open_ticket(salesperson, customer)
    client = client_for(manager)
    limit = (ticket.deadline_at + dt.timedelta(hours=1)).astimezone().strftime("%Y-%m-%dT%H:%M")
    client.post(
        reverse("complaints:assign", args=[ticket.pk]),
        {"assign-department": east.pk, "assign-handler": assistant.pk, "assign-time_limit_at": limit},
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.ASSIGNED and ticket.handler == assistant
    # A salesperson's POST to resolve is refused with a message, the state unchanged.
    response = client_for(salesperson).post(
        reverse("complaints:resolve", args=[ticket.pk]),
        {"resolve-root_cause": "x", "resolve-corrective_action": "y"},
        follow=True,
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.ASSIGNED and list(response.context["messages"])


def test_export_is_formula_safe_and_scoped(
    open_ticket, salesperson, south_salesperson, manager, customer, south_customer, client_for
):
    open_ticket(salesperson, customer, description='=HYPERLINK("http://evil","点我")')
    open_ticket(south_salesperson, south_customer)
    response = client_for(manager).get(reverse("complaints:export"), {"state": "all"})
    assert response.status_code == 200
    ws = load_workbook(BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 2  # header + the manager's own department only
    assert rows[1][6].startswith("'=")
    assert client_for(salesperson).get(reverse("complaints:export")).status_code == 404


def test_measures_page_rates_and_query_count(
    assigned_ticket,
    open_ticket,
    assistant,
    salesperson,
    manager,
    gm_office,
    customer,
    client_for,
    django_assert_max_num_queries,
):
    with time_machine.travel(at(2026, 3, 1, 9), tick=False):
        on_time = assigned_ticket(assistant)
        services.ticket_resolve(actor=assistant, ticket_id=on_time.pk, root_cause="x", corrective_action="y")
        services.ticket_return_visit_record(
            actor=salesperson, ticket_id=on_time.pk, satisfaction=4, confirmation="ok"
        )
        late = assigned_ticket(assistant, complaint_type="service")
        other = CustomerFactory(owner=salesperson)
        open_ticket(salesperson, other)  # still open, past its deadline by the time we look
    with time_machine.travel(at(2026, 3, 5, 9), tick=False):
        services.ticket_resolve(actor=assistant, ticket_id=late.pk, root_cause="x", corrective_action="y")
    with time_machine.travel(at(2026, 3, 20, 9), tick=False):
        client = client_for(manager)
        client.get(reverse("complaints:measures"))
        with django_assert_max_num_queries(8):
            response = client.get(reverse("complaints:measures"), {"year": 2026})
        gm = client_for(gm_office).get(reverse("complaints:measures"), {"year": 2026})
    row = response.context["rows"][0]
    assert (row["received"], row["resolved"], row["on_time"], row["due"]) == (3, 2, 1, 3)
    assert row["resolution_rate"] == 66.7 and row["on_time_rate"] == 33.3 and row["satisfaction"] == 4
    assert response.context["return_visits"] == {"complainants": 2, "visited": 1, "rate": 50.0}
    totals = dict(response.context["type_totals"])
    assert totals[ComplaintType.SERVICE.label] == 1 and totals[ComplaintType.QUALITY.label] == 2
    assert 'data-chart="chart-on-time"' in response.content.decode()
    assert gm.status_code == 200 and len(gm.context["departments"]) >= 1


# --- Registry: customer panel and 工作台 widget ---------------------------------------------------------


def test_customer_panel_and_widget_are_registered_with_constant_queries(
    open_ticket, salesperson, customer, rf, django_assert_max_num_queries
):
    for _ in range(7):
        open_ticket(salesperson, customer)
    request = rf.get("/")
    request.user = salesperson
    panel = next(p for p in PANELS if p.key == "complaints")
    with django_assert_max_num_queries(2):
        ctx = panel.context(request, customer)
    assert len(ctx["tickets"]) == 5 and ctx["more"] and ctx["open_count"] == 7
    widget = next(p for p in WIDGETS if p.key == "complaints")
    assert widget.shown_to(salesperson)
    with django_assert_max_num_queries(1):
        wctx = widget.context(request, DashboardContext(user=salesperson, now=timezone.now()))
    assert len(wctx["tickets"]) == 7 and wctx["counts"] is None


def test_home_shows_the_widget(open_ticket, salesperson, customer, client_for):
    ticket = open_ticket(salesperson, customer)
    response = client_for(salesperson).get(reverse("home"))
    assert ticket.number in response.content.decode()


def test_blacklist_mark_on_the_widget_and_the_customer_choice(open_ticket, salesperson, customer, client_for):
    """§2/§4: the blacklist mark wherever the customer is shown: the 工作台 widget, and the
    customer choice of the ticket form."""
    ticket = open_ticket(salesperson, customer)
    Customer.objects.filter(pk=customer.pk).update(is_blacklisted=True, blacklisted_until=dt.date(2099, 1, 1))
    body = client_for(salesperson).get(reverse("home")).content.decode()
    widget = body.split('data-testid="complaints-widget"')[1]
    row = widget.split(ticket.number)[1].split("</li>")[0]
    assert 'data-testid="blacklist-mark"' in row
    form = client_for(salesperson).get(reverse("complaints:create")).content.decode()
    option = next(o for o in form.split("<option") if customer.name in o)
    assert "黑名单" in option or "Blacklisted" in option
