"""Bulk inserts and upserts: COPY on PostgreSQL, executemany on SQLite (crm.db)."""

from collections.abc import Iterable, Sequence

from django.db import connection, models, transaction
from django.db.models.fields import AutoFieldMixin

from .vendor import _adapt, vendor_is_postgresql


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
    # The rows go through a temporary table, which lives in this transaction at most (ON COMMIT
    # DROP; atomic() opened a transaction if the caller had none). An earlier call in the
    # caller's longer transaction left its own: dropped first, in the same round trip (two
    # statements, no parameters). crm_copy_n keeps the rows' order: the first of repeats wins,
    # as on the other path.
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
        f"ORDER BY crm_copy_n {conflict}" + (f" RETURNING {returning}" if returning else "")
    )
    inserted = [tuple(r) for r in cursor.fetchall()] if returning else []
    count = cursor.rowcount
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
