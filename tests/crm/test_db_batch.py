"""crm.db.read_together: many querysets in one statement, the rows equal to the ORM's own.

Runs on SQLite by default and on PostgreSQL in CI: each test covers the path of the run's
database (JSON_GROUP_ARRAY / JSON_AGG)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Case, F, Q, Sum, Value, When, Window
from django.test.utils import CaptureQueriesContext

from blacklist.models import BlacklistEntry, EntryState, ReadmissionRequest
from crm import db
from grading.models import GradeChange, GradeProposal
from sales.models import Receivable
from tests.factories import CustomerFactory
from visits.models import VisitReport

T0 = dt.datetime(2026, 11, 1, 2, 30, 15, 123456, tzinfo=dt.UTC)


def _values(obj):
    return [getattr(obj, f.attname) for f in obj._meta.concrete_fields]


def _same(ours, orms, related=()):
    assert len(ours) == len(orms)
    for a, b in zip(ours, orms, strict=True):
        assert type(a) is type(b)
        assert _values(a) == _values(b)
        for name in related:
            ra, rb = getattr(a, name), getattr(b, name)
            assert (ra is None) == (rb is None)
            if ra is not None:
                assert _values(ra) == _values(rb)


@pytest.fixture
def history(salesperson, manager, gm_office):
    c = CustomerFactory(owner=salesperson)
    VisitReport.objects.bulk_create(
        VisitReport(customer=c, author=salesperson, visited_on=dt.date(2026, 11, 1) - dt.timedelta(days=i))
        for i in range(12)
    )
    for i, (amount, due) in enumerate([("100.5", 30), ("2000", 60), ("33.33", -5)]):
        Receivable.objects.create(
            erp_number=f"YS-{i}",
            customer=c,
            issued_on=dt.date(2026, 6, 1),
            due_on=dt.date(2026, 11, 1) - dt.timedelta(days=due),
            amount=Decimal(amount),
        )
    done = GradeProposal.objects.create(customer=c, to_grade="B", created_at=T0, state="approved")
    GradeChange.objects.create(
        customer=c,
        proposal=done,
        to_grade="B",
        changed_at=T0,
        reason_code="x",
        reason_params={"n": 3, "名": "甲"},
    )
    entry = BlacklistEntry.objects.create(
        customer=c,
        department=c.department,
        reason_category="payment",
        reason="拖欠货款",
        loss_amount=Decimal("1234.50"),
        reported_by=manager,
        state=EntryState.ACTIVE,
        decided_by=gm_office,
        decided_at=T0,
        starts_on=dt.date(2026, 11, 1),
        ends_on=dt.date(2027, 4, 1),
    )
    BlacklistEntry.objects.create(
        customer=c, department=c.department, reason_category="quality", reason="质量", reported_by=manager
    )
    for i in range(2):
        ReadmissionRequest.objects.create(
            entry=entry,
            state=["rejected", "pending"][i],
            requested_by=manager,
            requested_at=T0 + dt.timedelta(days=i),
            evaluation="已还清",
        )
    return c


@pytest.mark.django_db
def test_rows_equal_the_orms_in_one_statement(history):
    c = history
    visits = (
        VisitReport.objects.filter(customer=c).select_related("author").order_by("-visited_on", "-pk")[:5]
    )
    entries = BlacklistEntry.objects.filter(customer=c).select_related(
        "customer", "department", "reported_by", "decided_by"
    )
    changes = GradeChange.objects.filter(customer=c)
    nothing = VisitReport.objects.filter(customer_id=c.pk + 1000)
    with CaptureQueriesContext(connection) as captured:
        rows = db.read_together(
            {
                "visits": visits,
                "entries": entries,
                "changes": changes,
                "none": nothing,
                "empty": VisitReport.objects.filter(pk__in=[]),
            }
        )
    assert len(captured.captured_queries) == 1
    _same(rows["visits"], list(visits), related=["author"])
    assert [v.visited_on for v in rows["visits"]][:2] == [dt.date(2026, 11, 1), dt.date(2026, 10, 31)]
    _same(rows["entries"], list(entries), related=["customer", "department", "reported_by", "decided_by"])
    by_state = {e.state: e for e in rows["entries"]}
    assert by_state["active"].decided_at == T0  # aware, microseconds kept
    assert by_state["active"].loss_amount == Decimal("1234.50")
    assert by_state["reported"].decided_by is None  # a LEFT JOIN that found nothing
    assert rows["changes"][0].reason_params == {"n": 3, "名": "甲"}
    assert rows["none"] == [] and rows["empty"] == []
    with CaptureQueriesContext(connection) as captured:
        assert rows["visits"][0].author.username  # cached: no query
        assert rows["entries"][0].customer.name == c.name
    assert captured.captured_queries == []


@pytest.mark.django_db
def test_window_annotations_and_decimals(history):
    overdue = Case(When(Q(due_on__lt=dt.date(2026, 11, 1)), then=F("amount")), default=Value(Decimal(0)))
    qs = (
        Receivable.objects.filter(customer=history)
        .annotate(total=Window(Sum("amount")), overdue=Window(Sum(overdue)))
        .order_by("due_on", "id")[:2]
    )
    ours = db.read_together({"r": qs})["r"]
    theirs = list(qs)
    _same(ours, theirs)
    assert [r.amount for r in ours] == [Decimal("2000.00"), Decimal("100.50")]
    assert [(r.total, r.overdue) for r in ours] == [(t.total, t.overdue) for t in theirs]
    assert ours[0].total == Decimal("2133.83")


@pytest.mark.django_db
def test_children_attached_as_a_prefetch(history):
    rows = db.read_together(
        {
            "entries": BlacklistEntry.objects.filter(customer=history).order_by("pk"),
            "requests": ReadmissionRequest.objects.filter(entry__customer=history).order_by("-requested_at"),
        }
    )
    db.attach_children(rows["entries"], "readmissions", rows["requests"])
    with CaptureQueriesContext(connection) as captured:
        first, second = rows["entries"]
        assert [r.requested_at for r in first.readmissions.all()] == [T0 + dt.timedelta(days=1), T0]
        assert list(second.readmissions.all()) == []
    assert captured.captured_queries == []


@pytest.mark.django_db
def test_what_it_cannot_read_is_refused(history):
    for qs in (
        VisitReport.objects.values("pk"),
        VisitReport.objects.only("pk"),
        VisitReport.objects.prefetch_related("author"),
        VisitReport.objects.select_related(),
    ):
        with pytest.raises(ValueError):
            db.read_together({"x": qs})
    assert db.read_together({}) == {}


@pytest.mark.django_db
def test_a_row_wider_than_a_functions_arguments(history):
    # PostgreSQL takes at most 100 arguments to a function: an entry with its customer,
    # department and people is ~150 columns.
    qs = BlacklistEntry.objects.filter(customer=history).select_related(
        "customer", "department", "reported_by", "proposed_by", "decided_by", "customer__owner"
    )
    from crm.models import User

    width = len(BlacklistEntry._meta.concrete_fields) + 2 * len(type(history)._meta.concrete_fields)
    assert width + 4 * len(User._meta.concrete_fields) > 100
    ours = db.read_together({"e": qs})["e"]
    _same(ours, list(qs), related=["customer", "department", "reported_by", "proposed_by", "decided_by"])
    assert ours[0].customer.owner == history.owner
