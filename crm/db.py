"""Every database-specific piece of the CRM, in one module (issue 15).

The CRM runs on two databases: PostgreSQL in production and CI, SQLite for `make run` and the
default test run. Everything else in the code is written once, in the ORM; what follows is
where the two differ, each with the reason it cannot be written once and both paths tested in
tests/crm/test_db.py. No other module asks which database it is on: grep `connection.vendor`.

- `vendor_is_postgresql()`: the one question, for the pieces below and the few callers that
  only report it (the bench, the job's admin column).
- `exclusive_lock(...)`: the lock of the job runner. PostgreSQL has session-level advisory
  locks, released by the server when the holding connection ends, so a worker killed in the
  middle of a job (SIGKILL, OOM, a lost network) leaves no stale lock. SQLite has nothing like
  it: there the caller's claim (a row with `running_since`, stale after the job time limit) is
  taken and released instead.
- `copy_insert(table, columns, rows)`: bulk inserts of tens of thousands of prepared rows (the
  annual review's evaluations, the reminders of the overdue-visits job). On PostgreSQL through
  COPY, many times faster than INSERT (bench findings 6 and 7); with `ignore_conflicts` through
  a temporary table and INSERT … SELECT … ON CONFLICT DO NOTHING, as COPY itself cannot skip
  rows. Elsewhere one executemany INSERT (… ON CONFLICT DO NOTHING, which SQLite also knows).
  Every notification is written through it (crm.services `_notifications_write`).
- `copy_insert_objects(model, objs)`: new model instances through `copy_insert`, their primary
  keys first taken from the table's sequence in one statement (COPY returns nothing); elsewhere
  the ORM's bulk_create, which returns them (the import's new customers, issue 15).
- `InSubquery`: `pk IN (SELECT …)`, on PostgreSQL `pk = ANY(ARRAY(SELECT …))`: next to
  `owner_id = X OR …` PostgreSQL cannot use an index for `IN (subquery)` (a hashed SubPlan that
  scanned all customers, bench finding 1); the array is computed once (an InitPlan) and
  `= ANY($0)` is an index condition.
- `DatePart`, `EpochDays`: date arithmetic in SQL. PostgreSQL has EXTRACT and date subtraction;
  SQLite stores dates as text and needs strftime/julianday. Django's own Extract calls a Python
  function on SQLite, which a CHECK constraint cannot contain.
- `RunSQLOnPostgreSQL(...)`: a migration's SQL for PostgreSQL alone: indexes SQLite has no
  equivalent for (pg_trgm, INCLUDE), which change no result, only the plans.
- `search_prefilter(...)`, `SearchText`, `Doubled`: the substring search (issue 21). PostgreSQL
  answers `icontains` from pg_trgm indexes (two-character terms through the text with every
  character doubled); the prefilter is ANDed with the exact condition, so SQLite, without it,
  returns the same rows.
"""

import logging
import threading
import zlib
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from datetime import date, datetime

from django.db import DatabaseError, OperationalError, connection, migrations, models, transaction
from django.db.models.fields import AutoFieldMixin
from django.db.models.lookups import IContains

logger = logging.getLogger(__name__)


def vendor_is_postgresql() -> bool:
    return connection.vendor == "postgresql"


# --- the lock ---------------------------------------------------------------------------------

# High 32 bits of the advisory lock keys, so they cannot collide with other users of the
# same PostgreSQL server who lock small integers.
LOCK_NAMESPACE = 0x43524D  # "CRM"

# Advisory locks are re-entrant within one database session: remember what this thread holds,
# so a block that (directly or not) takes the same lock again is refused as on any other
# connection.
_held = threading.local()


class LockTaken(Exception):
    pass


def advisory_lock_key(name: str) -> int:
    return (LOCK_NAMESPACE << 32) | zlib.crc32(name.encode())


def _advisory_lock_acquire(key: int, *, wait_seconds: float, refused: Exception) -> None:
    """Take the session-level advisory lock, waiting at most `wait_seconds`.

    The short wait covers a worker process that has just died: its message is redelivered at
    once (reject_on_worker_lost), a few milliseconds before the server has ended the dead
    session and released its lock. Without the wait that redelivery would be skipped.
    """
    try:
        # set_config(..., true) lasts until the end of this transaction only.
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SELECT set_config('lock_timeout', %s, true)", [f"{int(wait_seconds * 1000)}ms"])
            cur.execute("SELECT pg_advisory_lock(%s)", [key])
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == "55P03":  # lock_not_available
            raise refused from exc
        raise


@contextmanager
def exclusive_lock(
    key: int,
    *,
    wait_seconds: float,
    claim: Callable[[], bool],
    release: Callable[[], None],
    refused: Exception | None = None,
):
    """Hold an exclusive lock for the block, or raise `refused` (default LockTaken) at once.

    PostgreSQL: the advisory lock `key` (see advisory_lock_key), waiting at most `wait_seconds`.
    SQLite: `claim()` must take the caller's claim and say whether it got it; `release()` gives
    it back after the block.
    """
    refused = refused or LockTaken(key)
    if not vendor_is_postgresql():
        if not claim():
            raise refused
        try:
            yield
        finally:
            release()
        return
    held = _held.__dict__.setdefault("keys", set())
    if key in held:
        raise refused
    _advisory_lock_acquire(key, wait_seconds=wait_seconds, refused=refused)
    held.add(key)
    try:
        yield
    finally:
        held.discard(key)
        try:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s)", [key])
        except DatabaseError:
            # The connection is broken (database restarted): the lock went with it.
            logger.warning("could not release advisory lock %s; closing the connection", key)
            connection.close()


# --- bulk inserts -----------------------------------------------------------------------------


def _adapt(value):
    # What the ORM would store: executemany does not go through the fields.
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    return value


def copy_insert(
    table: str, columns: Sequence[str], rows: Iterable[Sequence], *, ignore_conflicts: bool = False
) -> int:
    """Insert `rows` (tuples of `columns`, in order, JSON already as text) into `table`.

    Returns how many rows were inserted. With `ignore_conflicts`, a row that would break a
    unique constraint (one already stored, or a repeat earlier in `rows`) is skipped; the first
    of the repeats wins. Columns not named get their database default (or NULL).
    """
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    qtable = connection.ops.quote_name(table)
    if not vendor_is_postgresql():
        rows = [tuple(_adapt(v) for v in row) for row in rows]
        if not rows:
            return 0
        marks = ", ".join(["%s"] * len(columns))
        conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
        with transaction.atomic(savepoint=False), connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {qtable} ({cols}) VALUES ({marks}){conflict}", rows)  # noqa: S608
            return max(cursor.rowcount, 0)
    # The raw psycopg cursor's errors, as Django's (IntegrityError, …) like the other path's.
    with connection.wrap_database_errors, transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if not ignore_conflicts:
            count = 0
            with cursor.cursor.copy(f"COPY {qtable} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        # The rows go through a temporary table, which lives in this transaction at most (ON
        # COMMIT DROP; atomic() opened a transaction if the caller had none). An earlier call in
        # the caller's longer transaction left its own: dropped first, in the same round trip
        # (two statements, no parameters). crm_copy_n keeps the rows' order: the first of
        # repeats wins, as on the other path.
        cursor.execute(
            "DROP TABLE IF EXISTS crm_copy_incoming; "  # noqa: S608
            "CREATE TEMPORARY TABLE crm_copy_incoming ON COMMIT DROP AS "
            f"SELECT {cols}, 0::bigint AS crm_copy_n FROM {qtable} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY crm_copy_incoming ({cols}, crm_copy_n) FROM STDIN") as copy:
            for n, row in enumerate(rows):
                copy.write_row((*row, n))
        cursor.execute(
            f"INSERT INTO {qtable} ({cols}) SELECT {cols} FROM crm_copy_incoming "  # noqa: S608
            "ORDER BY crm_copy_n ON CONFLICT DO NOTHING"
        )
        inserted = cursor.rowcount
        return inserted


def copy_insert_objects(model: type[models.Model], objs: list) -> list:
    """Insert new instances of `model` (plain fields only: no JSON, no arrays) and set their
    primary keys (an automatic key; another key, a one-to-one's, is the caller's). The fields are prepared as the ORM's INSERT would (`pre_save`: auto_now and
    auto_now_add), then written as they are. Returns `objs`.

    PostgreSQL: the keys are taken from the table's sequence in one statement, then one COPY.
    Elsewhere: bulk_create, which returns the keys itself.
    """
    if not objs:
        return objs
    if not vendor_is_postgresql():
        model.objects.bulk_create(objs)  # sets the keys on these objects
        return objs
    meta = model._meta
    if isinstance(meta.pk, AutoFieldMixin):  # not a key given by the caller (a one-to-one's)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(objs)],
            )
            for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
                obj.pk = pk
    fields = meta.concrete_fields
    rows = []
    for obj in objs:
        rows.append(tuple(f.pre_save(obj, True) for f in fields))
        obj._state.adding, obj._state.db = False, connection.alias
    copy_insert(meta.db_table, [f.column for f in fields], rows)
    return objs


# --- SQL functions ----------------------------------------------------------------------------


class InSubquery(models.Func):
    """`expr IN (SELECT ...)`, written for PostgreSQL as `expr = ANY(ARRAY(SELECT ...))` (see the
    module's docstring)."""

    output_field = models.BooleanField()
    conditional = True
    arg_joiner = " IN "
    template = "%(expressions)s"

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, arg_joiner=" = ANY(ARRAY", template="%(expressions)s)", **extra_context
        )


class DatePart(models.Func):
    """EXTRACT(year|month|day FROM a date) as an integer, in SQL both SQLite and PostgreSQL keep in
    a CHECK constraint (Django's own Extract uses a Python function on SQLite)."""

    output_field = models.IntegerField()
    arity = 1

    def __init__(self, expression, part: str, **extra):
        if part not in ("year", "month", "day"):
            raise ValueError(part)
        self.part = part
        super().__init__(expression, **extra)

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, template=f"EXTRACT({self.part.upper()} FROM %(expressions)s)"
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        fmt = {"year": "%Y", "month": "%m", "day": "%d"}[self.part]
        return f"CAST(strftime(%s, {sql}) AS INTEGER)", (fmt, *params)


class EpochDays(models.Func):
    """A date as the number of days since 1970-01-01 (an integer, comparable and subtractable)."""

    output_field = models.IntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} - DATE '1970-01-01')", params

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(julianday({sql}) - 2440587.5 AS INTEGER)", params


# --- migrations -------------------------------------------------------------------------------


class RunSQLOnPostgreSQL(migrations.RunSQL):
    """A migration's SQL for PostgreSQL alone, nothing elsewhere: indexes SQLite has no
    equivalent for (pg_trgm, INCLUDE), which change no result, only the plans.

    A RunSQL, not a RunPython: the tests re-run every RunPython of the project's migrations as
    idempotent data migrations (tests/conftest.py)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


# --- substring search -------------------------------------------------------------------------

# pg_trgm indexes `LIKE '%term%'` by the term's trigrams, so it serves terms of three characters
# and more; a term of two (恒力, 凤凰: the most common search) has none. Doubling every character
# of the text ("恒力" → "恒恒力力", crm_doubled) gives it trigrams: "恒力" is in the text exactly
# when "恒恒力力" is in the doubled text (a match cannot start between the two copies of a
# character), and 恒恒力 and 恒力力 are in a second trigram index over the doubled text. The
# functions and the indexes are created on PostgreSQL by customers/migrations/0011_search_indexes.py;
# bench/README.md has the measurements behind the choice.


class SearchText(models.Func):
    """crm_customer_search_text(name, short_name, name_normalized, pinyin_keys): the customer's
    searchable columns joined by line breaks (no one types one into a search box)."""

    function = "crm_customer_search_text"
    output_field = models.TextField()

    def __init__(self, *, prefix: str = ""):
        columns = ("name", "short_name", "name_normalized", "pinyin_keys")
        super().__init__(*(models.F(prefix + c) for c in columns))


class Doubled(models.Func):
    """crm_doubled(text): every character twice."""

    function = "crm_doubled"
    output_field = models.TextField()
    arity = 1


def doubled(term: str) -> str:
    """Every character twice, as crm_doubled: "恒力" → "恒恒力力"."""
    return "".join(ch * 2 for ch in term)


def search_prefilter(text, terms: Iterable[str]) -> models.Q | None:
    """A condition met by every row whose `text` (an expression with a trigram index over its
    upper case and one over its doubled upper case) holds one of `terms` case-insensitively,
    that PostgreSQL answers from those indexes.

    It is a superset, never the answer (a term may straddle two joined columns): the caller
    ANDs it with its exact condition, which alone decides, so both databases return the same
    rows. None on SQLite, which has no such index, and when a term is shorter than two
    characters (no index serves it: a condition that scans anyway would only cost).
    """
    if not vendor_is_postgresql():
        return None
    terms = list(dict.fromkeys(t for t in terms if t))
    if not terms or any(len(t) < 2 for t in terms):
        return None
    cond = models.Q()
    for term in terms:
        if len(term) == 2:
            cond |= models.Q(IContains(Doubled(text), doubled(term)))
        else:
            cond |= models.Q(IContains(text, term))
    return cond
