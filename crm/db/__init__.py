"""Every database-specific piece of the CRM, in one package (issue 15): `from crm import db`.

The CRM runs on two databases: PostgreSQL in production and CI, SQLite for `make run` and the
default test run. Everything else in the code is written once, in the ORM; what follows is
where the two differ, each with the reason it cannot be written once and both paths tested in
tests/crm/test_db.py. Modules: vendor (the question), locks, bulk, sql (expressions and
migration operations), search, batch; every name below is imported from `crm.db`. No other module asks which database it is on: grep `connection.vendor`.

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
- `RunSQLOnPostgreSQL(...)`: a migration's SQL for PostgreSQL alone: indexes SQLite has no
  equivalent for (pg_trgm, INCLUDE), which change no result, only the plans.
- `read_together({name: queryset})`, `attach_children(...)`: many short querysets in one SELECT
  of scalar subqueries, each returning its rows as a JSON array (PostgreSQL JSON_AGG, SQLite
  JSON_GROUP_ARRAY), rebuilt as model instances: the customer page's twenty lists in one
  statement (issue 21; tests/crm/test_db_batch.py).
- `search_prefilter(...)`, `SearchText`, `Doubled`: the substring search (issue 21). PostgreSQL
  answers `icontains` from pg_trgm indexes (two-character terms through the text with every
  character doubled); the prefilter is ANDed with the exact condition, so SQLite, without it,
  returns the same rows.
"""

from .batch import attach_children, read_together
from .bulk import copy_insert, copy_insert_new, copy_insert_objects, copy_upsert, jit_off
from .locks import LOCK_NAMESPACE, LockTaken, advisory_lock_key, exclusive_lock
from .search import Doubled, SearchText, doubled, search_prefilter
from .sql import DatePart, EpochDays, InSubquery, InValues, RunSQLOnPostgreSQL
from .vendor import vendor_is_postgresql

__all__ = [
    "DatePart",
    "Doubled",
    "EpochDays",
    "InSubquery",
    "InValues",
    "LOCK_NAMESPACE",
    "LockTaken",
    "RunSQLOnPostgreSQL",
    "SearchText",
    "advisory_lock_key",
    "attach_children",
    "copy_insert",
    "copy_insert_new",
    "copy_insert_objects",
    "copy_upsert",
    "doubled",
    "exclusive_lock",
    "jit_off",
    "read_together",
    "search_prefilter",
    "vendor_is_postgresql",
]
