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
- `copy_insert_new(table, columns, rows, returning=...)`: the same with conflicts skipped, and
  the rows actually inserted returned (INSERT … ON CONFLICT DO NOTHING RETURNING from a
  temporary table on both databases): the cadence job learns which reminders are new.
- `copy_upsert(table, columns, rows, unique=..., update=..., compare=...)`: insert or update
  what changed, in one statement from a COPY-filled temporary table on PostgreSQL (the yearly
  figures' 85,000 rows: 43 batched INSERT … ON CONFLICT took ~17 s at load); SQLite one
  executemany. The NULL-safe "differs" is `IS DISTINCT FROM` there, `IS NOT` here.
- `jit_off()`: PostgreSQL's JIT compiler off for the current transaction (a big job query
  spent longer compiling than running); SQLite has none.
- `InSubquery`: `pk IN (SELECT …)`, on PostgreSQL `pk = ANY(ARRAY(SELECT …))`: next to
  `owner_id = X OR …` PostgreSQL cannot use an index for `IN (subquery)` (a hashed SubPlan that
  scanned all customers, bench finding 1); the array is computed once (an InitPlan) and
  `= ANY($0)` is an index condition.
- `InValues`: `expr IN (…)` of a long list of values, on PostgreSQL `expr = ANY(%s)` with one
  array parameter (an import's 10,000 keys: one placeholder each cost seconds of Python).
- `DatePart`, `EpochDays`: date arithmetic in SQL. PostgreSQL has EXTRACT and date subtraction;
  SQLite stores dates as text and needs strftime/julianday. Django's own Extract calls a Python
  function on SQLite, which a CHECK constraint cannot contain.
"""

import logging
import threading
import zlib
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from datetime import date, datetime

from django.db import DatabaseError, OperationalError, connection, models, transaction

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
        count, _rows = _copy_through_incoming(cursor, qtable, cols, rows, returning="")
        return count


def copy_insert_new(
    table: str, columns: Sequence[str], rows: Iterable[Sequence], *, returning: Sequence[str]
) -> list[tuple]:
    """Like copy_insert(..., ignore_conflicts=True), but returns the `returning` columns of the
    rows actually inserted (those a unique constraint did not skip): the caller learns which of
    its rows are new without reading back what is stored.

    PostgreSQL: COPY into a temporary table, then INSERT … SELECT … ON CONFLICT DO NOTHING
    RETURNING. SQLite (3.35+ knows RETURNING, but not in an executemany): the same through a
    temporary table filled by one executemany.
    """
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    qtable = connection.ops.quote_name(table)
    ret = ", ".join(connection.ops.quote_name(c) for c in returning)
    if vendor_is_postgresql():
        with (
            connection.wrap_database_errors,
            transaction.atomic(savepoint=False),
            connection.cursor() as cursor,
        ):
            return _copy_through_incoming(cursor, qtable, cols, rows, returning=ret)[1]
    rows = [tuple(_adapt(v) for v in row) for row in rows]
    if not rows:
        return []
    marks = ", ".join(["%s"] * len(columns))
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS temp.crm_copy_incoming")
        cursor.execute(
            f"CREATE TEMPORARY TABLE crm_copy_incoming AS SELECT {cols} FROM {qtable} WHERE 0"  # noqa: S608
        )
        cursor.executemany(f"INSERT INTO crm_copy_incoming ({cols}) VALUES ({marks})", rows)  # noqa: S608
        # "WHERE true": SQLite would read ON CONFLICT as part of the SELECT's join otherwise.
        cursor.execute(
            f"INSERT INTO {qtable} ({cols}) SELECT {cols} FROM crm_copy_incoming WHERE true "  # noqa: S608
            f"ORDER BY rowid ON CONFLICT DO NOTHING RETURNING {ret}"
        )
        inserted = [tuple(r) for r in cursor.fetchall()]
        cursor.execute("DROP TABLE crm_copy_incoming")
    return inserted


def copy_upsert(
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence],
    *,
    unique: Sequence[str],
    update: Sequence[str],
    compare: Sequence[str],
) -> int:
    """Insert `rows`; a row whose `unique` columns are already stored updates that row's `update`
    columns instead, and only if one of its `compare` columns differs (NULL-safe), so an
    unchanged row is not rewritten. Returns how many rows were inserted or changed.

    PostgreSQL: COPY into a temporary table, then one INSERT … SELECT … ON CONFLICT DO UPDATE
    … WHERE (… IS DISTINCT FROM …). SQLite: one executemany of the same upsert (`IS NOT`).
    """
    q = connection.ops.quote_name
    cols = ", ".join(q(c) for c in columns)
    qtable = q(table)
    pg = vendor_is_postgresql()
    distinct = " IS DISTINCT FROM " if pg else " IS NOT "
    conflict = (
        f"ON CONFLICT ({', '.join(q(c) for c in unique)}) DO UPDATE SET "
        + ", ".join(f"{q(c)} = excluded.{q(c)}" for c in update)
        + " WHERE "
        + " OR ".join(f"{qtable}.{q(c)}{distinct}excluded.{q(c)}" for c in compare)
    )
    if not pg:
        rows = [tuple(_adapt(v) for v in row) for row in rows]
        if not rows:
            return 0
        marks = ", ".join(["%s"] * len(columns))
        with transaction.atomic(savepoint=False), connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {qtable} ({cols}) VALUES ({marks}) {conflict}", rows)  # noqa: S608
            return max(cursor.rowcount, 0)
    with connection.wrap_database_errors, transaction.atomic(savepoint=False), connection.cursor() as cursor:
        return _copy_through_incoming(cursor, qtable, cols, rows, returning="", conflict=conflict)[0]


def _copy_through_incoming(
    cursor, qtable: str, cols: str, rows, *, returning: str, conflict: str = "ON CONFLICT DO NOTHING"
):
    """PostgreSQL: COPY `rows` into a temporary table, then INSERT … ON CONFLICT DO NOTHING into
    `qtable` (COPY itself cannot skip rows). Returns how many were inserted, and their
    `returning` columns if named."""
    # ON COMMIT DROP: the table lives in this transaction at most (atomic() opened one if
    # the caller had none); dropped explicitly too, for a caller's longer transaction.
    cursor.execute(
        f"CREATE TEMPORARY TABLE crm_copy_incoming ON COMMIT DROP AS SELECT {cols} FROM {qtable} WITH NO DATA"  # noqa: S608
    )
    cursor.execute("ALTER TABLE crm_copy_incoming ADD COLUMN crm_copy_n bigserial")
    with cursor.cursor.copy(f"COPY crm_copy_incoming ({cols}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    cursor.execute(
        f"INSERT INTO {qtable} ({cols}) SELECT {cols} FROM crm_copy_incoming "  # noqa: S608
        f"ORDER BY crm_copy_n {conflict}" + (f" RETURNING {returning}" if returning else "")
    )
    inserted = [tuple(r) for r in cursor.fetchall()] if returning else []
    count = cursor.rowcount
    cursor.execute("DROP TABLE crm_copy_incoming")
    return count, inserted


# --- planner settings -------------------------------------------------------------------------


def jit_off() -> None:
    """For the rest of the current transaction, no JIT compilation of queries (PostgreSQL 11+).

    A set-based job's one big query (grouped over millions of rows, a dozen FILTER aggregates)
    has a plan cost far above jit_above_cost, and compiling it took longer (12.5 s measured on
    the cadence job) than running it. SQLite has no JIT: nothing to do."""
    if vendor_is_postgresql():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


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


class InValues(models.Expression):
    """`expr IN (v1, v2, …)` for a long list of values, on PostgreSQL `expr = ANY(%s)` with the
    list as one array parameter. Django's `__in` sends one placeholder per value: for the 10,000
    credit codes and ERP numbers of an import, building, binding and (psycopg) splitting those
    statements cost ~3 s of Python at load, more than the index lookups themselves."""

    output_field = models.BooleanField()
    conditional = True

    def __init__(self, expression, values):
        super().__init__()
        self.expression = expression
        self.values = list(values)

    def get_source_expressions(self):
        return [self.expression]

    def set_source_expressions(self, exprs):
        (self.expression,) = exprs

    def as_sql(self, compiler, connection):
        if not self.values:
            return "1 = 0", ()
        sql, params = compiler.compile(self.expression)
        return f"{sql} IN ({', '.join(['%s'] * len(self.values))})", (*params, *self.values)

    def as_postgresql(self, compiler, connection):
        sql, params = compiler.compile(self.expression)
        return f"{sql} = ANY(%s)", (*params, self.values)


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
