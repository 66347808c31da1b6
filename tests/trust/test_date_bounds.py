"""Issue 13.3: every typed date is bounded (2000-01-01 to today + 5 years, tighter where a rule
says so) in the form, the service, the import and the database; rows outside are repaired.

A year-1 date is refused at every entry point; a bad row left by the past is repaired by the
data migration and the pages that broke on it answer again.
"""

import datetime as dt
import importlib
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps as global_apps
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from complaints import services as complaint_services
from complaints.forms import FeedbackForm, TicketCreateForm
from complaints.models import Ticket
from crm.date_bounds import EARLIEST_DATE, check_date, latest_date
from crm.db import vendor_is_postgresql
from customers import imports
from customers.forms import DocumentForm
from customers.models import Customer
from customers.services import CustomerError, customer_create, customer_update
from grading.forms import IncidentForm
from grading.services import GradingError, incident_record
from tests.customers.test_resources import xlsx
from visits import services as visit_services
from visits.forms import VisitPlanForm, VisitReportForm
from visits.models import VisitPlan

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 29, 10, 0, tzinfo=SH)
YEAR_ONE = dt.datetime(1, 1, 1, 0, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_bounds_are_the_promised_ones():
    today = NOW.date()
    assert latest_date(today) == dt.date(2031, 11, 29) and dt.date(2000, 1, 1) == EARLIEST_DATE
    for ok in (dt.date(2000, 1, 1), today, dt.date(2031, 11, 29)):
        check_date(ok, today=today)
    for bad in (dt.date(1, 1, 1), dt.date(1999, 12, 31), dt.date(2031, 11, 30), dt.date(9999, 12, 31)):
        with pytest.raises(Exception, match="2000-01-01"):
            check_date(bad, today=today)
    with pytest.raises(Exception):
        check_date(today + dt.timedelta(days=1), today=today, allow_future=False)


# --- forms ------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestForms:
    def test_complaint_form(self, salesperson, customer):
        form = TicketCreateForm(
            {
                "customer": customer.pk,
                "complaint_type": "quality",
                "channel": "phone",
                "description": "x",
                "received_at": "0001-01-01T00:00",
            },
            user=salesperson,
        )
        assert not form.is_valid() and "received_at" in form.errors

    def test_feedback_form(self):
        form = FeedbackForm({"given_at": "0001-01-01T00:00", "method": "phone", "content": "x"})
        assert not form.is_valid() and "given_at" in form.errors

    def test_plan_form(self, salesperson, customer):
        form = VisitPlanForm(
            {"purpose": "x", "planned_at": "0001-01-01T09:00"}, customer=customer, user=salesperson
        )
        assert not form.is_valid() and "planned_at" in form.errors
        form = VisitPlanForm(
            {"purpose": "x", "planned_at": "2040-01-01T09:00"}, customer=customer, user=salesperson
        )
        assert not form.is_valid() and "planned_at" in form.errors

    def test_report_form(self, salesperson, customer):
        form = VisitReportForm(
            {"visited_on": "0001-01-01", "mode": "onsite"}, customer=customer, user=salesperson
        )
        assert not form.is_valid() and "visited_on" in form.errors

    def test_incident_form(self):
        form = IncidentForm(
            {"incident_type": "late_payment", "occurred_on": "0001-01-01", "description": "x"}
        )
        assert not form.is_valid() and "occurred_on" in form.errors

    def test_document_form(self):
        form = DocumentForm({"doc_type": "license", "issued_on": "0001-01-01", "expires_on": "2999-01-01"})
        assert not form.is_valid() and {"issued_on", "expires_on"} <= set(form.errors)

    def test_customer_form_cooperation_start(self, client_for, salesperson):
        response = client_for(salesperson).post(
            reverse("customers:create"),
            {
                "name": "宁波海天塑机有限公司",
                "source_channel": "trade_fair",
                "cooperation_start": "0001-01-01",
            },
        )
        assert response.status_code == 200 and "cooperation_start" in response.context["form"].errors
        assert "2000-01-01" in response.content.decode()
        assert not Customer.objects.exists()


# --- services and import ----------------------------------------------------------------------


@pytest.mark.django_db
class TestServices:
    def test_complaint_receipt_and_feedback(self, salesperson, customer):
        with pytest.raises(complaint_services.ComplaintError, match="2000-01-01"):
            complaint_services.ticket_create(
                actor=salesperson,
                customer_id=customer.pk,
                channel="phone",
                complaint_type="quality",
                description="x",
                received_at=YEAR_ONE,
                now=NOW,
            )
        ticket = complaint_services.ticket_create(
            actor=salesperson,
            customer_id=customer.pk,
            channel="phone",
            complaint_type="quality",
            description="x",
            now=NOW,
        )
        with pytest.raises(complaint_services.ComplaintError):
            complaint_services.feedback_add(
                actor=salesperson,
                ticket_id=ticket.pk,
                given_at=YEAR_ONE,
                method="phone",
                content="x",
                now=NOW,
            )
        assert Ticket.objects.count() == 1

    def test_visit_plan_and_report(self, salesperson, customer):
        with pytest.raises(visit_services.VisitError, match="2000-01-01"):
            visit_services.visit_plan_create(
                actor=salesperson,
                customer_id=customer.pk,
                data={"purpose": "x", "planned_at": YEAR_ONE},
                now=NOW,
            )
        for visited_on in (dt.date(1, 1, 1), dt.date(1999, 12, 31)):
            with pytest.raises(visit_services.VisitError):
                visit_services.visit_report_create(
                    author=salesperson,
                    customer_id=customer.pk,
                    data={"visited_on": visited_on},
                    now=NOW,
                )
        with pytest.raises(visit_services.VisitError):
            visit_services.visit_report_create(
                author=salesperson,
                customer_id=customer.pk,
                now=NOW,
                data={"visited_on": NOW.date(), "next_steps": [{"text": "报价", "due_on": dt.date(1, 1, 1)}]},
            )
        assert not VisitPlan.objects.exists()

    def test_incident(self, manager, customer):
        with pytest.raises(GradingError, match="2000-01-01"):
            incident_record(
                actor=manager,
                customer_id=customer.pk,
                incident_type="late_payment",
                occurred_on=dt.date(1, 1, 1),
                description="x",
                now=NOW,
            )

    def test_customer_cooperation_start(self, salesperson, customer):
        with pytest.raises(CustomerError):
            customer_create(actor=salesperson, data={"name": "新客户", "cooperation_start": dt.date(1, 1, 1)})
        with pytest.raises(CustomerError):
            customer_update(
                actor=salesperson, customer_id=customer.pk, data={"cooperation_start": dt.date(2099, 1, 1)}
            )

    def test_import(self, assistant, salesperson):
        headers = ["客户名称", "负责业务员", "合作开始日期"]
        staged = imports.import_stage(
            actor=assistant,
            kind="customers",
            file=xlsx([["宁波海天塑机有限公司", salesperson.username, "0001-01-01"]], headers),
        )
        assert not staged.report.ok
        assert "2000-01-01" in " ".join(str(m) for r in staged.report.bad_rows for _c, m in r.errors)


# --- database ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "field", "value"),
    [
        ("complaints.Ticket", "received_at", YEAR_ONE),
        ("visits.VisitPlan", "planned_at", YEAR_ONE),
        ("customers.Customer", "cooperation_start", dt.date(1, 1, 1)),
        ("customers.Customer", "cooperation_start", dt.date(2100, 1, 1)),
    ],
)
def test_database_refuses_out_of_bounds(model, field, value, customer, salesperson):
    if model == "complaints.Ticket":
        row = complaint_services.ticket_create(
            actor=salesperson,
            customer_id=customer.pk,
            channel="phone",
            complaint_type="quality",
            description="x",
            now=NOW,
        )
    elif model == "visits.VisitPlan":
        row = visit_services.visit_plan_create(
            actor=salesperson,
            customer_id=customer.pk,
            data={"purpose": "x", "planned_at": NOW},
            now=NOW,
        )
    else:
        row = customer
    with pytest.raises(IntegrityError), transaction.atomic():
        type(row).objects.filter(pk=row.pk).update(**{field: value})


# --- repair -----------------------------------------------------------------------------------


def _store_despite_check(model, pk, constraint, **values):
    """Write a row as the past left it: the check constraint out of the way for this statement."""
    table = model._meta.db_table
    if not vendor_is_postgresql():
        with connection.cursor() as cur:
            cur.execute("PRAGMA ignore_check_constraints = 1")
        try:
            model.objects.filter(pk=pk).update(**values)
        finally:
            with connection.cursor() as cur:
                cur.execute("PRAGMA ignore_check_constraints = 0")
    else:  # PostgreSQL: the DDL is rolled back with the test's transaction
        with connection.cursor() as cur:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending deferred checks before DDL
            cur.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{constraint}"')
        model.objects.filter(pk=pk).update(**values)


@pytest.mark.django_db
def test_migration_repairs_year_one_rows_and_pages_answer(
    client_for, salesperson, manager, assistant, gm_office, customer
):
    ticket = complaint_services.ticket_create(
        actor=salesperson,
        customer_id=customer.pk,
        channel="phone",
        complaint_type="quality",
        description="x",
        now=NOW,
    )
    plan = visit_services.visit_plan_create(
        actor=salesperson,
        customer_id=customer.pk,
        data={"purpose": "x", "planned_at": NOW},
        now=NOW,
    )
    _store_despite_check(
        Ticket,
        ticket.pk,
        "complaints_ticket_received_at_bounds",
        received_at=YEAR_ONE,
        deadline_at=YEAR_ONE + dt.timedelta(hours=24),
    )
    ticket.events.update(at=YEAR_ONE)
    _store_despite_check(VisitPlan, plan.pk, "visits_visitplan_planned_at_bounds", planned_at=YEAR_ONE)

    for module in ("complaints.migrations.0005_repair_dates", "visits.migrations.0003_repair_dates"):
        importlib.import_module(module).repair(global_apps, None)

    ticket.refresh_from_db()
    plan.refresh_from_db()
    assert (
        ticket.received_at == ticket.created_at
        and ticket.deadline_at == ticket.received_at + dt.timedelta(hours=24 if ticket.in_province else 48)
    )
    assert ticket.events.filter(at__year__lt=2000).count() == 0
    assert plan.planned_at == plan.created_at
    pages = {
        salesperson: [
            reverse("home"),
            reverse("complaints:list"),
            reverse("complaints:detail", args=[ticket.pk]),
            reverse("customers:detail", args=[customer.pk]),
            reverse("visits:mine"),
            reverse("visits:plan_detail", args=[plan.pk]),
        ],
        manager: [
            reverse("complaints:list"),
            reverse("complaints:export"),
            reverse("admin:complaints_ticket_changelist"),
        ],
        assistant: [reverse("complaints:list")],
        gm_office: [reverse("complaints:list"), reverse("home")],
    }
    for user, urls in pages.items():
        client = client_for(user)
        for url in urls:
            assert client.get(url).status_code == 200, (user.username, url)
