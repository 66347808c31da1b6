"""SQL expressions and migration operations that differ by database (crm.db)."""

from django.db import migrations, models

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
