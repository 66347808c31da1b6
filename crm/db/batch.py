"""Several querysets read in one statement (crm.db; issue 21: the customer page in ≤ 12 queries).

The customer page shows some twenty short lists, each from its own table (contacts, agreements,
the last visits, the grade history…). Read one by one, that is twenty round trips however small
each list is. `read_together({"key": queryset, …})` sends them as ONE SELECT of scalar
subqueries, each returning its rows as one JSON array:

    SELECT (WITH s(c0, c1, …) AS (<queryset 1 as the ORM compiles it>)
            SELECT COALESCE(JSON_AGG(JSON_BUILD_ARRAY(c0, c1, …)), '[]')::text FROM s),
           (WITH s(…) AS (<queryset 2>) SELECT …), …

PostgreSQL aggregates with JSON_AGG, SQLite with JSON_GROUP_ARRAY (the only difference, hence
crm.db); both keep the order of the ordered, sliced subquery they aggregate. The rows come back
as model instances built the way the ORM builds them (`Model.from_db` and, for `select_related`,
its `RelatedPopulator`), each value converted as its column would have been read (dates, aware
datetimes in UTC, decimals at their places, booleans, JSON), with the queryset's annotations
(window sums included) set as attributes. `attach_children` fills a reverse
relation's prefetch cache from another list of the same batch, so `entry.readmissions.all()`
reads nothing more.

What a queryset may hold: whatever the ORM compiles for a model (filters, ordering, a slice,
annotations, named `select_related`). Refused, not silently wrong: `values()`, `only()` and
`defer()`, `prefetch_related` (read the children as another entry and attach them),
`select_related()` without names.
"""

import json
from datetime import UTC
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, models
from django.db.models.query import get_related_populators
from django.utils import timezone

from .vendor import vendor_is_postgresql

CHUNK = 50


def read_together(querysets: dict[str, models.QuerySet]) -> dict[str, list]:
    """Every queryset's rows as model instances, keyed like `querysets`, in one statement."""
    plans = {key: _plan(qs) for key, qs in querysets.items()}
    if not plans:
        return {}
    parts, params = [], []
    for plan in plans.values():
        parts.append(plan.aggregate_sql())
        params.extend(plan.params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return {
        key: [plan.build(values) for values in json.loads(text or "[]", parse_float=Decimal)]
        for (key, plan), text in zip(plans.items(), row, strict=True)
    }


def attach_children(parents, related_name: str, children) -> None:
    """Fill `parent.<related_name>.all()` of each parent from `children` (read in the same
    batch), as prefetch_related would: no query when the template iterates them."""
    if not parents:
        return
    relation = type(parents[0])._meta.get_field(related_name)
    fk_attname = relation.field.attname
    by_parent: dict = {}
    for child in children:
        by_parent.setdefault(getattr(child, fk_attname), []).append(child)
    for parent in parents:
        manager = getattr(parent, related_name)
        qs = manager.get_queryset()
        qs._result_cache = by_parent.get(parent.pk, [])
        qs._prefetch_done = True
        parent.__dict__.setdefault("_prefetched_objects_cache", {})[relation.cache_name] = qs


# --- From a queryset to its JSON rows, and back ----------------------------------------------


class _Plan:
    """One queryset compiled by the ORM, its columns renamed c0…cN, and how to rebuild its rows.

    The rows are rebuilt with the ORM's own select_related machinery (`RelatedPopulator`, as
    `ModelIterable` does), from the compiler's `select` and `klass_info`."""

    def __init__(self, qs: models.QuerySet):
        compiler = qs.query.get_compiler(connection.alias)
        try:
            self.sql, self.params = compiler.as_sql()
        except EmptyResultSet:  # e.g. pk__in=[]: nothing to read
            self.sql, self.params = None, ()
        select, klass_info = compiler.select, compiler.klass_info
        self.db = connection.alias
        fields = [col.output_field for col, _sql, _alias in select]
        self.converters = [_converter(f) for f in fields]
        self.json_columns = {i for i, f in enumerate(fields) if isinstance(f, models.JSONField)}
        self.model = klass_info["model"]
        base = klass_info["select_fields"]
        self.base = (base[0], base[-1] + 1)
        self.init_list = [select[i][0].target.attname for i in base]
        self.populators = get_related_populators(klass_info, select, self.db)
        self.annotations = list(compiler.annotation_col_map.items())
        self.width = len(select)

    def aggregate_sql(self) -> str:
        """A scalar subquery: the rows as one JSON array of arrays of arrays (chunks of at most
        CHUNK values: PostgreSQL takes at most 100 arguments to a function, and an entry with
        its customer and its people is ~150 columns)."""
        if self.sql is None:
            return "NULL"
        names = [f"c{i}" for i in range(self.width)]
        postgres = vendor_is_postgresql()
        array = "JSON_BUILD_ARRAY" if postgres else "JSON_ARRAY"
        values = [n if postgres or i not in self.json_columns else f"JSON({n})" for i, n in enumerate(names)]
        chunks = [f"{array}({', '.join(values[i : i + CHUNK])})" for i in range(0, len(values), CHUNK)]
        row = f"{array}({', '.join(chunks)})"
        # A CTE's column list renames the columns (two tables' "id" would clash otherwise).
        # Only column names and the ORM's own SQL are put together here; values stay parameters.
        with_ = f"WITH s({', '.join(names)}) AS ({self.sql})"
        if postgres:
            return f"({with_} SELECT COALESCE(JSON_AGG({row}), '[]'::json)::text FROM s)"  # noqa: S608
        return f"({with_} SELECT JSON_GROUP_ARRAY({row}) FROM s)"  # noqa: S608

    def build(self, chunks: list):
        row = [convert(value) for convert, value in zip(self.converters, _flat(chunks), strict=True)]
        start, end = self.base
        obj = self.model.from_db(self.db, self.init_list, row[start:end])
        for populator in self.populators:
            populator.populate(row, obj)
        for name, index in self.annotations:
            setattr(obj, name, row[index])
        return obj


def _flat(chunks: list) -> list:
    return [value for chunk in chunks for value in chunk]


def _plan(qs: models.QuerySet) -> _Plan:
    query = qs.query
    if qs._iterable_class is not models.query.ModelIterable or query.values_select:
        raise ValueError("read_together: values() and values_list() are not supported")
    if query.deferred_loading[0]:
        raise ValueError("read_together: only() and defer() are not supported")
    if qs._prefetch_related_lookups:
        raise ValueError("read_together: read the children as another entry and attach_children")
    if query.select_related is True:
        raise ValueError("read_together: name the select_related relations")
    return _Plan(qs)


def _converter(field):
    """From a JSON value to what the ORM would have read from the column."""
    if isinstance(field, models.DateTimeField):
        return _datetime(field)
    if isinstance(field, models.DecimalField):
        exponent = Decimal(1).scaleb(-field.decimal_places)
        return lambda v: None if v is None else Decimal(str(v)).quantize(exponent)
    if isinstance(field, models.BooleanField):
        return lambda v: None if v is None else bool(v)
    if isinstance(field, models.FloatField):
        return lambda v: None if v is None else float(v)
    if isinstance(field, models.DateField | models.TimeField | models.DurationField | models.UUIDField):
        return lambda v: None if v is None else field.to_python(v)
    return _same  # text, integers, keys and JSON come back as they are


def _same(value):
    return value


def _datetime(field):
    aware = settings.USE_TZ

    def convert(value):
        if value is None:
            return None
        value = field.to_python(value)
        if aware and timezone.is_naive(value):
            value = value.replace(tzinfo=UTC)  # SQLite stores UTC without its offset
        return value

    return convert
