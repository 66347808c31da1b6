"""The seeder's groundwork: sizes, the bookkeeping table, the bulk writer, who is who.

Rows get explicit ids, so later parts can refer to them without reading them back, and every
value is derived from the row number: the same database comes out on every machine.
"""

import json
from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, models

from crm import db

FULL = {
    "customers": 100_000,
    "visits": 1_000_000,
    "complaints": 20_000,
    "blacklist": 2_000,
    "contact_records": 3_000_000,
    "agreements": 10_000,
    "deliveries": 2_000_000,
    "payments": 2_000_000,
}
SALES_PER_DEPARTMENT = 10
CONTACTS_PER_CUSTOMER = 3
HEAVY_VISITS = 500
DEPARTMENTS = [("east", "华东销售部"), ("south", "华南销售部"), ("north", "华北销售部")]
REGIONS = {
    "east": [("上海市", "上海", "310000"), ("江苏省", "苏州", "320000"), ("浙江省", "杭州", "330000")],
    "south": [
        ("广东省", "深圳", "440000"),
        ("福建省", "厦门", "350000"),
        ("广西壮族自治区", "南宁", "450000"),
    ],
    "north": [("北京市", "北京", "110000"), ("天津市", "天津", "120000"), ("山东省", "济南", "370000")],
}
WORDS = [
    "恒力",
    "华美",
    "宏达",
    "永盛",
    "鑫源",
    "天成",
    "金桥",
    "瑞丰",
    "东方",
    "长江",
    "明阳",
    "正泰",
    "博远",
    "联创",
]
INDUSTRIES = [
    ("机械制造", "机械"),
    ("电子元器件", "电子"),
    ("化工材料", "化工"),
    ("汽车零部件", "汽配"),
    ("新能源", "能源"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "桂英", "建华", "晓东", "海燕", "志强"]
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Yearly business volume bands (元) of each grade, matching the default grading thresholds.
VOLUME_BANDS = {
    "A": (3_200_000, 6_000_000),
    "B": (1_100_000, 2_800_000),
    "C": (550_000, 950_000),
    "D": (50_000, 450_000),
    "": (0, 0),
}
NEIGHBOUR = {"A": "B", "B": "C", "C": "B", "D": "C", "": ""}


class SkipPart(Exception):
    """A part that cannot be seeded yet: its app's models or tables are missing."""


@dataclass
class Scale:
    customers: int
    visits: int
    complaints: int
    blacklist: int
    contact_records: int
    agreements: int
    deliveries: int
    payments: int

    @classmethod
    def of(cls, factor: float) -> "Scale":
        return cls(**{k: max(1, round(v * factor)) for k, v in FULL.items()})


# ---------------------------------------------------------------------------------------------
# Bookkeeping: which parts are seeded, at what scale.


def meta_get(key: str):
    _meta_table()
    with connection.cursor() as cur:
        cur.execute("SELECT value FROM bench_meta WHERE key = %s", [key])
        row = cur.fetchone()
    return json.loads(row[0]) if row else None


def meta_set(key: str, value) -> None:
    _meta_table()
    with connection.cursor() as cur:
        cur.execute("DELETE FROM bench_meta WHERE key = %s", [key])
        cur.execute("INSERT INTO bench_meta (key, value) VALUES (%s, %s)", [key, json.dumps(value)])


def _meta_table() -> None:
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS bench_meta (key varchar(100) PRIMARY KEY, value text NOT NULL)"
        )


# ---------------------------------------------------------------------------------------------
# Bulk writer: crm.db.copy_insert (COPY) on PostgreSQL, bulk_create elsewhere (the toy run of the tests on SQLite).

MISSING = object()


class Writer:
    """Writes rows given as dicts of attnames; fields a row leaves out take the model's default."""

    def __init__(self, *, now: datetime):
        self.now = now
        self.today = now.date()
        self.pg = db.vendor_is_postgresql()

    def _base(self, model) -> tuple[list[str], dict]:
        cols, base = [], {}
        for f in model._meta.concrete_fields:
            cols.append(f.attname)
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                base[f.attname] = self.now if isinstance(f, models.DateTimeField) else self.today
            elif f.has_default():
                value = f.get_default()
                base[f.attname] = json.dumps(value) if isinstance(value, dict | list) else value
            elif f.null:
                base[f.attname] = None
            elif f.empty_strings_allowed and not isinstance(f, models.DateField | models.DecimalField):
                base[f.attname] = ""
            elif f.choices:
                base[f.attname] = f.choices[0][0]
            else:
                base[f.attname] = MISSING
        return cols, base

    def write(self, model, rows) -> int:
        """Insert every row of the iterable; returns the count. Resets the id sequence after."""
        table = model._meta.db_table
        if table not in connection.introspection.table_names():
            raise SkipPart(f"table {table} does not exist (migration not there yet)")
        cols, base = self._base(model)
        n = 0
        if self.pg:
            n = db.copy_insert(table, cols, (self._tuple(model, cols, base, row) for row in rows))
        else:
            batch = []
            for row in rows:
                values = dict(zip(cols, self._tuple(model, cols, base, row), strict=True))
                batch.append(model(**values))
                n += 1
                if len(batch) >= 2000:
                    model.objects.bulk_create(batch)
                    batch = []
            if batch:
                model.objects.bulk_create(batch)
        reset_sequences(model)
        return n

    @staticmethod
    def _tuple(model, cols, base, row):
        out = []
        for c in cols:
            v = row.get(c, base[c])
            if v is MISSING:
                raise SkipPart(f"{model._meta.label}.{c} is required and the seeder does not know it yet")
            out.append(v)
        return out


def reset_sequences(*model_list) -> None:
    with connection.cursor() as cur:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(model_list)):
            cur.execute(sql)


def model_or_skip(label: str):
    try:
        return apps.get_model(label)
    except LookupError as exc:
        raise SkipPart(f"model {label} does not exist yet") from exc


def field_names(model) -> set[str]:
    return {f.attname for f in model._meta.concrete_fields}


# ---------------------------------------------------------------------------------------------
# Who is who in the bench database (usernames are stable; run.py logs in as them).


def sales_username(dept: str, k: int) -> str:
    return f"bench_sales_{dept}_{k}"


def owner_of(i: int) -> tuple[str, int]:
    """Customer number i (0-based) belongs to salesperson (dept, k): round-robin over 30."""
    sp = i % (len(DEPARTMENTS) * SALES_PER_DEPARTMENT)
    return DEPARTMENTS[sp // SALES_PER_DEPARTMENT][0], sp % SALES_PER_DEPARTMENT + 1


HEAVY_CUSTOMER_ID = 1  # owned by bench_sales_east_1, gets 500 visit reports
EMPTY_CUSTOMER_ID = 31  # also bench_sales_east_1's, gets no visit report at all


def seed_people(ctx) -> dict:
    from crm.models import Department, Role, User
    from crm.roles import sync_user_groups

    depts = {}
    for code, name in DEPARTMENTS:
        depts[code], _ = Department.objects.get_or_create(code=code, defaults={"name": name})
    depts["gmo"], _ = Department.objects.get_or_create(
        code="gmo", defaults={"name": "总经办", "is_head_office": True}
    )
    people = [("bench_admin", "管理员", Role.ADMIN, None), ("bench_gm", "周总", Role.GM_OFFICE, "gmo")]
    for code, _name in DEPARTMENTS:
        people.append((f"bench_manager_{code}", f"{code}经理", Role.MANAGER, code))
        people.append((f"bench_assistant_{code}", f"{code}内勤", Role.ASSISTANT, code))
        for k in range(1, SALES_PER_DEPARTMENT + 1):
            people.append((sales_username(code, k), f"{SURNAMES[k]}{GIVEN[k]}{code}", Role.SALESPERSON, code))
    for username, full_name, role, dept in people:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "full_name": full_name,
                "role": role,
                "department": depts.get(dept),
                "email": f"{username}@example.com",
                "is_superuser": role == Role.ADMIN,
            },
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        sync_user_groups(user)
    return {"users": len(people), "departments": len(depts)}


def user_ids() -> dict[str, int]:
    from crm.models import User

    return dict(User.objects.filter(username__startswith="bench_").values_list("username", "id"))


def dept_ids() -> dict[str, int]:
    from crm.models import Department

    return dict(Department.objects.values_list("code", "id"))


# ---------------------------------------------------------------------------------------------
# Numbers every part derives its rows from.


def credit_code(i: int, region: str) -> str:
    org, n = [], i
    for _ in range(9):
        n, r = divmod(n, 31)
        org.append(CREDIT_ALPHABET[r])
    body = "91" + region + "".join(reversed(org))
    from customers.validators import credit_code_check_char

    return body + credit_code_check_char(body)


def grade_of(i: int) -> str:
    r = (i * 7919) % 100
    return "A" if r < 5 else "B" if r < 25 else "C" if r < 65 else "D" if r < 90 else ""
