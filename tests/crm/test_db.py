"""crm/db/, the one module that knows which database it is on: both paths of each piece.

Unmarked tests run on whichever database the suite runs on (SQLite by default, PostgreSQL in
CI), so each such test covers both paths across the two runs. Those of one path only skip on
the other: `sqlite_only`, and `@pytest.mark.postgres` for PostgreSQL's (run them with
DATABASE_URL=postgres://...).
"""

import datetime as dt
import json

import pytest
from django.db import connection
from django.db.models import F, Subquery
from django.test.utils import CaptureQueriesContext

from crm import db
from crm.models import Notification
from customers.models import Customer, CustomerShare
from tests.factories import CustomerFactory

T0 = dt.datetime(2026, 11, 29, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def sqlite_only():
    if db.vendor_is_postgresql():
        pytest.skip("the SQLite path (the default run)")


@pytest.fixture
def postgres_only():
    if not db.vendor_is_postgresql():
        pytest.skip("needs DATABASE_URL=postgres://...")


def test_vendor_is_the_connections():
    assert db.vendor_is_postgresql() is (connection.vendor == "postgresql")


# --- the lock ---------------------------------------------------------------------------------


class Claim:
    """A stand-in for the SQLite claim: a flag, and a record of the calls."""

    def __init__(self, free=True):
        self.free = free
        self.calls = []

    def claim(self):
        self.calls.append("claim")
        if not self.free:
            return False
        self.free = False
        return True

    def release(self):
        self.calls.append("release")
        self.free = True


def lock(claim, key=db.advisory_lock_key("test-db:probe")):
    return db.exclusive_lock(key, wait_seconds=0.2, claim=claim.claim, release=claim.release)


@pytest.mark.django_db
def test_sqlite_lock_takes_and_gives_back_the_callers_claim(sqlite_only):
    c = Claim()
    with lock(c):
        assert not c.free
        with pytest.raises(db.LockTaken), lock(c):
            pass
    assert c.free and c.calls == ["claim", "claim", "release"]
    with pytest.raises(RuntimeError), lock(c):
        raise RuntimeError("the block failed")
    assert c.free  # given back after a failure too


@pytest.mark.django_db
def test_sqlite_lock_raises_the_callers_refusal(sqlite_only):
    class Busy(db.LockTaken):
        pass

    refusing = db.exclusive_lock(
        1, wait_seconds=0, claim=lambda: False, release=lambda: None, refused=Busy("x")
    )
    with pytest.raises(Busy), refusing:
        pass


def other_session_can_lock(key: int) -> bool:
    import psycopg

    s = connection.settings_dict
    info = psycopg.conninfo.make_conninfo(
        dbname=s["NAME"],
        user=s["USER"] or None,
        password=s["PASSWORD"] or None,
        host=s["HOST"] or None,
        port=str(s["PORT"]) if s["PORT"] else None,
    )
    with psycopg.connect(info, autocommit=True) as other:
        got = other.execute("SELECT pg_try_advisory_lock(%s)", [key]).fetchone()[0]
        if got:
            other.execute("SELECT pg_advisory_unlock(%s)", [key])
        return got


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_lock_is_an_advisory_lock_and_ignores_the_claim(postgres_only):
    key = db.advisory_lock_key("test-db:pg")
    c = Claim(free=False)  # a claim that would refuse: PostgreSQL must not ask it
    with lock(c, key):
        assert not other_session_can_lock(key)
        with pytest.raises(db.LockTaken), lock(c, key):  # re-entry in this session is refused too
            pass
        assert not other_session_can_lock(key)
    assert c.calls == []
    assert other_session_can_lock(key)
    with pytest.raises(RuntimeError), lock(c, key):
        raise RuntimeError("the block failed")
    assert other_session_can_lock(key)


def test_advisory_lock_keys_are_namespaced_and_stable():
    key = db.advisory_lock_key("crm-job:x")
    assert key >> 32 == db.LOCK_NAMESPACE
    assert key == db.advisory_lock_key("crm-job:x") != db.advisory_lock_key("crm-job:y")


# --- copy_insert ------------------------------------------------------------------------------

COLUMNS = (
    "recipient_id",
    "kind",
    "title",
    "body",
    "url",
    "dedup_key",
    "delivery",
    "created_at",
    "email_failures",
)


def row(user, key, title="t"):
    return (user.pk, "test_kind", title, "", "", key, "immediate", T0, 0)


@pytest.mark.django_db
def test_copy_insert_writes_rows_as_the_orm_reads_them(salesperson):
    n = db.copy_insert(
        Notification._meta.db_table, COLUMNS, (row(salesperson, f"k{i}", f"标题{i}") for i in range(5))
    )
    assert n == 5
    got = list(Notification.objects.filter(recipient=salesperson).order_by("pk"))
    assert [g.title for g in got] == [f"标题{i}" for i in range(5)]
    assert all(g.created_at == T0 and g.read_at is None and g.email_failures == 0 for g in got)
    # a datetime written raw compares in SQL like one the ORM wrote
    assert (
        Notification.objects.filter(created_at__gte=T0, created_at__lt=T0 + dt.timedelta(seconds=1)).count()
        == 5
    )


@pytest.mark.django_db
@pytest.mark.parametrize("ignore_conflicts", [False, True])
def test_copy_insert_keeps_awkward_text_as_it_was(salesperson, ignore_conflicts):
    """COPY's text format escapes: tabs, newlines, backslashes and a literal \\N survive."""
    title = "甲\t乙\\丙"
    body = "第一行\n第二行\r\\N 末尾\\"
    rows = [(salesperson.pk, "test_kind", title, body, "", f"k{i}", "immediate", T0, i) for i in range(3)]
    assert db.copy_insert(Notification._meta.db_table, COLUMNS, rows, ignore_conflicts=ignore_conflicts) == 3
    got = list(Notification.objects.filter(recipient=salesperson).order_by("pk"))
    assert [(g.title, g.body, g.email_failures, g.created_at) for g in got] == [
        (title, body, i, T0) for i in range(3)
    ]


@pytest.mark.django_db
def test_copy_insert_of_nothing():
    assert db.copy_insert(Notification._meta.db_table, COLUMNS, []) == 0


@pytest.mark.django_db
def test_copy_insert_skips_conflicts_first_repeat_wins(salesperson, other_salesperson):
    Notification.objects.create(recipient=salesperson, kind="test_kind", title="old", dedup_key="sent")
    rows = [
        row(salesperson, "sent", "skipped: already sent"),
        row(salesperson, "new", "first"),
        row(salesperson, "new", "second: a repeat in the set"),
        row(other_salesperson, "sent", "another recipient's key"),
        row(salesperson, None, "no key"),
        row(salesperson, None, "no key again"),
    ]
    assert db.copy_insert(Notification._meta.db_table, COLUMNS, rows, ignore_conflicts=True) == 4
    mine = Notification.objects.filter(recipient=salesperson)
    assert set(mine.values_list("title", flat=True)) == {"old", "first", "no key", "no key again"}
    assert Notification.objects.get(recipient=other_salesperson).title == "another recipient's key"


@pytest.mark.django_db
def test_copy_insert_without_ignore_conflicts_raises_and_writes_nothing(salesperson):
    from django.db import IntegrityError, transaction

    rows = [row(salesperson, "a"), row(salesperson, "a")]
    with pytest.raises(IntegrityError), transaction.atomic():
        db.copy_insert(Notification._meta.db_table, COLUMNS, rows)
    assert not Notification.objects.filter(recipient=salesperson).exists()


def insert_logged(user, keys, **kwargs):
    """copy_insert of one row per key, and the statements Django logged."""
    with CaptureQueriesContext(connection) as ctx:
        n = db.copy_insert(Notification._meta.db_table, COLUMNS, [row(user, f"k{i}") for i in keys], **kwargs)
    return n, ctx


@pytest.mark.django_db
def test_sqlite_copy_insert_is_one_executemany(sqlite_only, salesperson):
    _n, ctx = insert_logged(salesperson, range(50))
    inserts = [q["sql"] for q in ctx.captured_queries if "INSERT" in q["sql"]]
    assert len(inserts) == 1 and inserts[0].startswith("50 times: INSERT")  # how Django logs an executemany
    assert "ON CONFLICT" not in inserts[0]
    n, ctx = insert_logged(salesperson, range(45, 60), ignore_conflicts=True)
    assert n == 10
    [insert] = [q["sql"] for q in ctx.captured_queries]
    assert insert.startswith("15 times: INSERT") and insert.endswith("ON CONFLICT DO NOTHING")


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_copy_insert_goes_through_copy(postgres_only, salesperson):
    _n, ctx = insert_logged(salesperson, range(50))
    # COPY bypasses the logged cursor: no INSERT statement at all
    assert not [q for q in ctx.captured_queries if "INSERT" in q["sql"]]
    assert Notification.objects.filter(recipient=salesperson).count() == 50
    n, ctx = insert_logged(salesperson, range(45, 60), ignore_conflicts=True)
    assert n == 10
    # two logged statements: (drop and) create the temporary table, INSERT … SELECT
    create, insert = [q["sql"] for q in ctx.captured_queries]
    assert "CREATE TEMPORARY TABLE crm_copy_incoming" in create
    assert "FROM crm_copy_incoming" in insert and insert.endswith("ON CONFLICT DO NOTHING")
    # a second call in the same transaction finds the first one's table and replaces it
    assert (
        db.copy_insert(Notification._meta.db_table, COLUMNS, [row(salesperson, "k60")], ignore_conflicts=True)
        == 1
    )
    assert Notification.objects.filter(recipient=salesperson).count() == 61


# --- copy_insert_objects --------------------------------------------------------------------------


@pytest.mark.django_db
def test_copy_insert_objects_sets_the_keys_and_the_auto_now_fields(salesperson):
    from customers.models import BusinessProfile, ImportBatch

    batches = [
        ImportBatch(kind="customers", file_name=f"{i}.xlsx", rows=i, user=salesperson) for i in range(3)
    ]
    assert db.copy_insert_objects(ImportBatch, batches) is batches
    stored = {b.pk: (b.file_name, b.rows, b.at is not None) for b in ImportBatch.objects.all()}
    assert stored == {b.pk: (b.file_name, b.rows, True) for b in batches}
    assert db.copy_insert_objects(ImportBatch, []) == []
    # A key that is not automatic (a one-to-one's) is the caller's.
    customers = CustomerFactory.create_batch(2, owner=salesperson)
    profiles = db.copy_insert_objects(BusinessProfile, [BusinessProfile(customer_id=c.pk) for c in customers])
    assert sorted(p.pk for p in profiles) == sorted(c.pk for c in customers)
    assert BusinessProfile.objects.filter(customer__in=customers).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_copy_insert_objects_takes_the_keys_from_the_sequence(postgres_only, salesperson):
    from customers.models import ImportBatch

    with CaptureQueriesContext(connection) as ctx:
        db.copy_insert_objects(ImportBatch, [ImportBatch(kind="customers", file_name="a", user=salesperson)])
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "nextval" in sql and "INSERT" not in sql


@pytest.mark.django_db
def test_copy_insert_new_returns_what_it_inserted_skipping_conflicts(salesperson, other_salesperson):
    Notification.objects.create(recipient=salesperson, kind="test_kind", title="old", dedup_key="sent")
    rows = [
        row(salesperson, "sent", "skipped: already sent"),
        row(salesperson, "new", "first"),
        row(salesperson, "new", "second: a repeat in the set"),
        row(other_salesperson, "sent", "another recipient's key"),
    ]
    got = db.copy_insert_new(Notification._meta.db_table, COLUMNS, rows, returning=["recipient_id", "title"])
    assert sorted(got) == sorted(
        [(salesperson.pk, "first"), (other_salesperson.pk, "another recipient's key")]
    )
    assert Notification.objects.count() == 3
    # Again: everything is there, nothing is new.
    assert db.copy_insert_new(Notification._meta.db_table, COLUMNS, rows, returning=["title"]) == []
    assert db.copy_insert_new(Notification._meta.db_table, COLUMNS, [], returning=["title"]) == []


@pytest.mark.django_db
def test_copy_upsert_inserts_updates_what_changed_and_leaves_the_rest(salesperson):
    from customers.models import YearlyFigure

    a, b, c = CustomerFactory.create_batch(3, owner=salesperson)
    YearlyFigure.objects.create(customer=a, year=2025, business_volume=100, receivables=0, updated_at=T0)
    YearlyFigure.objects.create(customer=b, year=2025, business_volume=200, receivables=0, updated_at=T0)
    before = YearlyFigure.objects.get(customer=b).updated_at
    later = before + dt.timedelta(days=1)
    cols = ["customer_id", "year", "business_volume", "receivables", "updated_at", "source"]
    cols += ["overdue_payment_count", "overdue_pickup_count"]
    rows = [(pk, 2025, v, 0, later, "manual", 0, 0) for pk, v in ((a.pk, 150), (b.pk, 200), (c.pk, 300))]
    table = YearlyFigure._meta.db_table
    kw = {"unique": ["customer_id", "year"], "update": cols[2:5], "compare": cols[2:4]}
    assert db.copy_upsert(table, cols, rows, **kw) == 2  # a changed, c new; b unchanged
    got = {f.customer_id: f for f in YearlyFigure.objects.all()}
    assert (got[a.pk].business_volume, got[a.pk].updated_at) == (150, later)
    assert (got[b.pk].business_volume, got[b.pk].updated_at) == (200, before)  # not rewritten
    assert got[c.pk].business_volume == 300
    assert db.copy_upsert(table, cols, rows, **kw) == 0
    assert db.copy_upsert(table, cols, [], **kw) == 0


@pytest.mark.django_db
def test_in_values_selects_as_in_does(salesperson):
    a, b, _c = CustomerFactory.create_batch(3, owner=salesperson)
    codes = [a.credit_code, b.credit_code, "NOT-A-CODE"]
    got = set(Customer.objects.filter(db.InValues(F("credit_code"), codes)).values_list("pk", flat=True))
    assert (
        got
        == set(Customer.objects.filter(credit_code__in=codes).values_list("pk", flat=True))
        == {a.pk, b.pk}
    )
    assert not Customer.objects.filter(db.InValues(F("credit_code"), [])).exists()
    with CaptureQueriesContext(connection) as ctx:
        list(Customer.objects.filter(db.InValues(F("credit_code"), codes)))
    if db.vendor_is_postgresql():
        assert "= ANY(" in ctx.captured_queries[0]["sql"]


@pytest.mark.django_db
def test_jit_off_lasts_the_transaction():
    from django.db import transaction

    with transaction.atomic():
        db.jit_off()  # SQLite: nothing to switch off, nothing fails
        if db.vendor_is_postgresql():
            with connection.cursor() as cur:
                cur.execute("SHOW jit")
                assert cur.fetchone()[0] == "off"


@pytest.mark.django_db
def test_copy_insert_takes_json_as_text(salesperson):
    from grading.models import Evaluation

    customer = CustomerFactory(owner=salesperson)
    db.copy_insert(
        Evaluation._meta.db_table,
        (
            "customer_id",
            "kind",
            "period_year",
            "business_volume",
            "receivables",
            "overdue_payment_count",
            "overdue_pickup_count",
            "grade_before",
            "suggested_grade",
            "policy",
            "scores",
            "incidents",
            "notes",
            "created_at",
        ),
        [(customer.pk, "six_month", 2026, 0, 0, 0, 0, "D", "D", json.dumps({"a": 1}), "[]", "[]", "", T0)],
    )
    ev = Evaluation.objects.get(customer=customer)
    assert ev.policy == {"a": 1} and ev.scores == [] and ev.created_at == T0


# --- SQL functions ----------------------------------------------------------------------------


@pytest.fixture
def shares(salesperson, other_salesperson):
    """A customer of the salesperson's, one shared with them, one not: (mine, shared, query)."""
    mine = CustomerFactory(owner=salesperson)
    shared = CustomerFactory(owner=other_salesperson)
    CustomerFactory(owner=other_salesperson)
    CustomerShare.objects.create(customer=shared, user=salesperson)
    ids = CustomerShare.objects.filter(user=salesperson).values("customer_id")
    return mine, shared, Customer.objects.filter(db.InSubquery(F("pk"), Subquery(ids)))


@pytest.mark.django_db
def test_sqlite_in_subquery_is_in_select(sqlite_only, shares, salesperson):
    mine, shared, qs = shares
    assert list(qs.values_list("pk", flat=True)) == [shared.pk]
    assert set(Customer.objects.visible_to(salesperson).values_list("pk", flat=True)) == {mine.pk, shared.pk}
    sql = str(qs.query)
    assert " IN (SELECT" in sql and "ANY" not in sql


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_in_subquery_is_any_array(postgres_only, shares, salesperson):
    mine, shared, qs = shares
    assert list(qs.values_list("pk", flat=True)) == [shared.pk]
    assert set(Customer.objects.visible_to(salesperson).values_list("pk", flat=True)) == {mine.pk, shared.pk}
    assert "= ANY(ARRAY(SELECT" in str(qs.query)


def date_parts(customer):
    qs = Customer.objects.filter(pk=customer.pk).annotate(
        y=db.DatePart(F("cooperation_start"), "year"),
        m=db.DatePart(F("cooperation_start"), "month"),
        d=db.DatePart(F("cooperation_start"), "day"),
        e=db.EpochDays(F("cooperation_start")),
    )
    return qs.values("y", "m", "d", "e").get(), str(qs.query)


LEAP_DAY = {"y": 2024, "m": 2, "d": 29, "e": (dt.date(2024, 2, 29) - dt.date(1970, 1, 1)).days}


@pytest.mark.django_db
def test_sqlite_date_part_and_epoch_days_are_strftime_and_julianday(sqlite_only, salesperson):
    got, sql = date_parts(CustomerFactory(owner=salesperson, cooperation_start=dt.date(2024, 2, 29)))
    assert got == LEAP_DAY
    assert "strftime" in sql and "julianday" in sql and "EXTRACT" not in sql
    with pytest.raises(ValueError):
        db.DatePart(F("cooperation_start"), "week")


# --- substring search -------------------------------------------------------------------------


def test_doubled_repeats_every_character():
    assert db.doubled("恒力") == "恒恒力力"
    assert db.doubled("a%") == "aa%%"
    assert db.doubled("") == ""


@pytest.mark.django_db
def test_search_prefilter_is_none_without_a_term_of_two_characters():
    assert db.search_prefilter(db.SearchText(), []) is None
    assert db.search_prefilter(db.SearchText(), ["恒力", "恒"]) is None


@pytest.mark.django_db
def test_sqlite_search_prefilter_is_none(sqlite_only):
    assert db.search_prefilter(db.SearchText(), ["恒力机械"]) is None


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_search_prefilter_is_a_superset_served_by_the_indexes(postgres_only, salesperson):
    """Two characters through the doubled text, three and more through the text; a term across
    two columns passes the prefilter (the caller's exact condition removes it)."""
    hengli = CustomerFactory(owner=salesperson, name="上海恒力机械有限公司", short_name="恒力")
    CustomerFactory(owner=salesperson, name="广州凤凰科技有限公司", short_name="凤凰")

    def names(*terms):
        cond = db.search_prefilter(db.SearchText(), terms)
        return set(Customer.objects.filter(cond).values_list("name", flat=True))

    assert names("恒力") == {hengli.name}
    assert names("hengli") == {hengli.name}  # the pinyin keys
    assert names("HL") == {hengli.name}  # the initials, in any case
    assert names("公司\n恒力") == {hengli.name}  # across the name and the short name
    assert names("恒力", "凤凰科技") == set(Customer.objects.values_list("name", flat=True))
    sql = str(Customer.objects.filter(db.search_prefilter(db.SearchText(), ["恒力", "恒力机械"])).query)
    assert "crm_doubled(crm_customer_search_text(" in sql and "LIKE UPPER(%恒恒力力%)" in sql
    assert "LIKE UPPER(%恒力机械%)" in sql
    with connection.cursor() as cur:
        cur.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE %s", ["%search%"])
        assert {r[0] for r in cur.fetchall()} >= {"cust_search_trgm_idx", "cust_search_pairs_idx"}


class _Editor:
    def __init__(self, vendor):
        self.connection = type("C", (), {"vendor": vendor, "alias": "default"})()
        self.executed = []

    def execute(self, sql, params=None):
        self.executed.append(sql)


def test_run_sql_on_postgresql_runs_only_there():
    op = db.RunSQLOnPostgreSQL(["CREATE INDEX a", "CREATE INDEX b"], ["DROP INDEX b"])
    pg, lite = _Editor("postgresql"), _Editor("sqlite")
    for editor in (pg, lite):
        op.database_forwards("customers", editor, None, None)
    assert pg.executed == ["CREATE INDEX a", "CREATE INDEX b"] and lite.executed == []
    op.database_backwards("customers", pg, None, None)
    op.database_backwards("customers", lite, None, None)
    assert pg.executed[-1] == "DROP INDEX b" and lite.executed == []


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_date_part_and_epoch_days_are_extract_and_date_subtraction(postgres_only, salesperson):
    got, sql = date_parts(CustomerFactory(owner=salesperson, cooperation_start=dt.date(2024, 2, 29)))
    assert got == LEAP_DAY
    assert "EXTRACT(YEAR FROM" in sql and "- DATE '1970-01-01'" in sql and "strftime" not in sql
