"""Seed the bench database at company scale with bulk inserts (COPY on PostgreSQL).

Each app's data is a *part* (people, customers, visits, complaints, blacklist, grading),
seeded once and remembered in the table `bench_meta`; a part whose models do not exist yet
(the app is still being built) is skipped with a note and seeded on a later run. Rows get
explicit ids, so later parts can refer to them without reading them back, and every value
is derived from the row number: the same database comes out on every machine.

Sizes at scale 1.0 (issue 9): 100,000 customers over 3 departments and 30 salespeople,
300,000 contacts, 3 years of yearly figures, 1,000,000 visit reports (one customer with
500), 20,000 complaint tickets, 2,000 blacklist entries, an open review round.
"""

import json
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, models, transaction

from crm import db

FULL = {
    "customers": 100_000,
    "visits": 1_000_000,
    "complaints": 20_000,
    "blacklist": 2_000,
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
# Customers, contacts, yearly figures.


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


def seed_customers(ctx) -> dict:
    from customers.models import Contact, Customer, YearlyFigure
    from customers.pinyin import customer_pinyin
    from customers.validators import normalize_company_name

    users, depts, now, today = user_ids(), dept_ids(), ctx.now, ctx.now.date()
    n = ctx.scale.customers

    def customers():
        for i in range(n):
            dept, k = owner_of(i)
            province, city, region = REGIONS[dept][i % 3]
            word, (industry, short) = WORDS[(i // 7) % len(WORDS)], INDUSTRIES[i % len(INDUSTRIES)]
            name = f"{city}{word}{short}{i:06d}有限公司"
            grade = grade_of(i)
            status = "prospect" if not grade else ("inactive" if i % 20 == 3 else "active")
            yield {
                "id": i + 1,
                "name": name,
                "name_normalized": normalize_company_name(name),
                "name_pinyin": customer_pinyin(name, f"{word}{short}")[0],
                "pinyin_keys": customer_pinyin(name, f"{word}{short}")[1],
                "short_name": f"{word}{short}",
                "credit_code": credit_code(i, region),
                "industry": industry,
                "province": province,
                "city": city,
                "address": f"{city}高新区{i % 300 + 1}号",
                "phone": f"021-{60000000 + i}",
                "business_scope": f"{industry}产品的研发、生产与销售",
                "registered_capital": Decimal(100 * (1 + i % 50)),
                "source_channel": "trade_fair",
                "cooperation_start": today - timedelta(days=200 + i % 3000) if grade else None,
                "owner_id": users[sales_username(dept, k)],
                "department_id": depts[dept],
                "status": status,
                "is_key": i % 25 == 0,
                "grade": grade,
                "grade_since": today - timedelta(days=30 + i % 900) if grade else None,
                "last_confirmed_at": now - timedelta(days=i % 300),
                "created_at": now - timedelta(days=i % 1500),
                "updated_at": now,
                "created_by_id": users[f"bench_assistant_{dept}"],
            }

    def contacts():
        positions = ["buyer", "purchasing_manager", "general_manager"]
        for i in range(n):
            for j in range(CONTACTS_PER_CUSTOMER):
                cid = i * CONTACTS_PER_CUSTOMER + j
                yield {
                    "id": cid + 1,
                    "customer_id": i + 1,
                    "name": SURNAMES[cid % len(SURNAMES)] + GIVEN[(cid // 7) % len(GIVEN)],
                    "position": positions[j],
                    "mobile": f"13{cid:09d}",
                    "email": f"c{cid}@example.cn",
                    "wechat": f"wx{cid}",
                    "preferences": "关注交期与质量",
                    "is_primary": j == 0,
                    "created_at": now,
                }

    def figures():
        for i in range(n):
            grade = grade_of(i)
            # One customer in ten performs like the neighbouring grade: the annual review has work.
            band = VOLUME_BANDS[NEIGHBOUR[grade] if i % 10 == 4 else grade]
            for y, year in enumerate(range(today.year - 2, today.year + 1)):
                volume = band[0] + (band[1] - band[0]) * ((i * 31 + y * 17) % 100) // 100
                yield {
                    "id": i * 3 + y + 1,
                    "customer_id": i + 1,
                    "year": year,
                    "business_volume": Decimal(volume),
                    "receivables": Decimal(volume // 10),
                    "overdue_payment_count": 1 if i % 37 == 5 else 0,
                    "overdue_pickup_count": 1 if i % 41 == 6 else 0,
                    "updated_at": now,
                }

    out = {"customers": ctx.writer.write(Customer, customers())}
    out["contacts"] = ctx.writer.write(Contact, contacts())
    out["yearly_figures"] = ctx.writer.write(YearlyFigure, figures())
    return out


# ---------------------------------------------------------------------------------------------
# Visits: 1,000,000 reports; the customer keeps the date of its last on-site visit.


def last_onsite_days_ago(i: int) -> int | None:
    """Days since customer i's last on-site visit; about a third of graded ones are overdue."""
    grade = grade_of(i)
    span = {"A": 120, "B": 120, "C": 500, "D": 700}.get(grade)
    return None if span is None else (i * 13) % span


def visit_count(i: int, per_customer: float) -> int:
    if i + 1 == HEAVY_CUSTOMER_ID:
        return HEAVY_VISITS
    if i + 1 == EMPTY_CUSTOMER_ID:
        return 0
    return int((i * 13) % 21 * per_customer / 10 + 0.5)


def seed_visits(ctx) -> dict:
    VisitReport = model_or_skip("visits.VisitReport")
    VisitPlan = model_or_skip("visits.VisitPlan")
    NextStep = model_or_skip("visits.NextStep")
    from customers.models import Customer

    users, now, today, n = user_ids(), ctx.now, ctx.now.date(), ctx.scale.customers
    per_customer = max(0.0, (ctx.scale.visits - HEAVY_VISITS) / max(1, n - 2))
    modes = ["onsite", "onsite", "phone", "video", "email"]
    counts = {"last": {}, "steps": []}

    def reports():
        rid = 0
        for i in range(n):
            dept, k = owner_of(i)
            author = users[sales_username(dept, k)]
            ago = last_onsite_days_ago(i)
            last = today - timedelta(days=ago if ago is not None else 30)
            for j in range(visit_count(i, per_customer)):
                rid += 1
                if j == 0 and ago is not None:
                    day, mode = last, "onsite"
                    counts["last"][i + 1] = last
                else:
                    day = last - timedelta(days=1 + (j * 37 + i) % 1000)
                    mode = modes[(i + j) % len(modes)] if ago is not None else "phone"
                if rid % 10 == 1:
                    counts["steps"].append((rid, author))
                yield {
                    "id": rid,
                    "customer_id": i + 1,
                    "author_id": author,
                    "visited_on": day,
                    "mode": mode,
                    "latest_needs": "明年扩产，需要新一代型号的报价",
                    "opinions": "交期希望缩短一周",
                    "problems": "",
                    "competitor_news": "竞品降价约5%",
                    "cooperation_intent": "moderate",
                    "summary": "",
                    "created_at": now - timedelta(days=(today - day).days),
                }

    out = {"visit_reports": ctx.writer.write(VisitReport, reports())}

    def plans():
        # One open plan in the coming month for one customer in five (我的拜访 shows them).
        for pid, i in enumerate(range(0, n, 5), start=1):
            dept, k = owner_of(i)
            yield {
                "id": pid,
                "customer_id": i + 1,
                "purpose": "季度拜访，沟通明年采购计划",
                "planned_at": now + timedelta(days=1 + i % 30, hours=i % 8),
                "content": "新品介绍",
                "status": "planned",
                "created_by_id": users[sales_username(dept, k)],
                "created_at": now,
                "updated_at": now,
            }

    out["visit_plans"] = ctx.writer.write(VisitPlan, plans())
    Visitors = VisitPlan.visitors.through

    def visitors():
        for pid, i in enumerate(range(0, n, 5), start=1):
            dept, k = owner_of(i)
            yield {"id": pid, "visitplan_id": pid, "user_id": users[sales_username(dept, k)]}

    out["visit_plan_visitors"] = ctx.writer.write(Visitors, visitors())

    def steps():
        # A next step for one report in ten, owned by its author; the recent ones still open.
        for sid, (rid, author) in enumerate(counts["steps"], start=1):
            due = today + timedelta(days=(rid % 400) - 380)
            yield {
                "id": sid,
                "report_id": rid,
                "text": "发送报价单",
                "due_on": due,
                "owner_id": author,
                "done_at": now if due < today else None,
            }

    out["next_steps"] = ctx.writer.write(NextStep, steps())
    # The customer row keeps its last on-site visit (set-based, as the visits service would).
    by_day: dict[date, list[int]] = {}
    for cid, day in counts["last"].items():
        by_day.setdefault(day, []).append(cid)
    for day, ids in by_day.items():
        for start in range(0, len(ids), 5000):
            Customer.objects.filter(pk__in=ids[start : start + 5000]).update(last_onsite_visit_on=day)
    model_or_skip("visits.VisitPolicy").load()
    return out


# ---------------------------------------------------------------------------------------------
# Complaints: 20,000 tickets over two years; the recent ones open, some past their deadline.


def seed_complaints(ctx) -> dict:
    Ticket = model_or_skip("complaints.Ticket")
    TicketCounter = model_or_skip("complaints.TicketCounter")
    policy = model_or_skip("complaints.ComplaintPolicy").load()
    from customers.models import Customer

    users, depts, now, n = user_ids(), dept_ids(), ctx.now, ctx.scale.customers
    provinces = dict(Customer.objects.values_list("id", "province"))
    total = ctx.scale.complaints
    counters: dict[int, int] = {}
    channels, types = (
        ["phone", "email", "online", "walk_in", "via_salesperson"],
        ["quality", "service", "delivery", "billing"],
    )

    def tickets():
        for t in range(total):
            i = (t * 7919) % n
            dept, k = owner_of(i)
            owner = users[sales_username(dept, k)]
            age = timedelta(hours=(total - t) * 17520 // total + 1)  # the newest last, two years back
            received = now - age
            counters[received.year] = counters.get(received.year, 0) + 1
            in_province = provinces.get(i + 1) == policy.company_province
            deadline = received + timedelta(
                hours=policy.in_province_hours if in_province else policy.out_of_province_hours
            )
            # The newest 2% are still being handled; the rest went all the way to closed.
            open_ = t >= total * 0.98
            status = ("received" if t % 2 else "assigned") if open_ else "closed"
            claim = Decimal(150_000 if t % 50 == 0 else (t % 20) * 1000)
            row = {
                "id": t + 1,
                "number": f"TS-{received.year}-{counters[received.year]:06d}",
                "customer_id": i + 1,
                "channel": channels[t % 5],
                "complaint_type": types[t % 4],
                "description": "部分批次产品尺寸超差，要求退换",
                "received_at": received,
                "received_by_id": owner,
                "claim_amount": claim,
                "in_province": in_province,
                "deadline_at": deadline,
                "status": status,
                "is_major": claim >= policy.escalation_threshold,
                "major_at": received if claim >= policy.escalation_threshold else None,
                "created_at": received,
                "updated_at": received,
            }
            if status != "received":
                row.update(
                    responsible_department_id=depts[dept],
                    handler_id=owner,
                    assigned_at=received + timedelta(hours=1),
                    time_limit_at=deadline,
                )
            if status == "closed":
                done = received + timedelta(hours=20 + t % 40)
                row.update(
                    root_cause="模具磨损",
                    corrective_action="更换模具并加强首件检验",
                    resolved_at=done,
                    resolved_by_id=owner,
                    satisfaction=4 + t % 2,
                    return_visited_at=done + timedelta(days=3),
                    return_visited_by_id=owner,
                    closed_at=done + timedelta(days=3),
                    closed_by_id=owner,
                )
            yield {k: v for k, v in row.items() if k in ctx.fields}

    ctx.fields = field_names(Ticket)
    out = {"tickets": ctx.writer.write(Ticket, tickets())}
    TicketCounter.objects.all().delete()
    TicketCounter.objects.bulk_create([TicketCounter(year=y, last_number=c) for y, c in counters.items()])
    return out


# ---------------------------------------------------------------------------------------------
# Blacklist: 2,000 entries; the active ones mark their customer, a few are due to expire.


def seed_blacklist(ctx) -> dict:
    Entry = model_or_skip("blacklist.BlacklistEntry")
    from crm.services import add_months
    from customers.models import Customer

    users, depts, now, today, n = user_ids(), dept_ids(), ctx.now, ctx.now.date(), ctx.scale.customers
    total = min(ctx.scale.blacklist, n)
    step = max(1, n // total)
    marks: dict[str, list] = {"active": [], "ended": []}

    def entries():
        for e in range(total):
            i = (e * step + 17) % n
            if i + 1 in (HEAVY_CUSTOMER_ID, EMPTY_CUSTOMER_ID):
                i = (i + 2) % n
            dept, k = owner_of(i)
            r = e % 20
            state = (
                "active"
                if r < 12
                else "expired"
                if r < 16
                else "reported"
                if r < 18
                else "rejected"
                if r < 19
                else "readmitted"
            )
            # One active entry in twelve ended yesterday or before: blacklist-expiry has work.
            starts = (
                today - timedelta(days=(e * 11) % 170)
                if r % 12
                else add_months(today, -6) - timedelta(days=e % 5 + 1)
            )
            if state in ("expired", "readmitted"):
                starts = today - timedelta(days=200 + e % 300)
            ends = add_months(starts, 6)
            row = {
                "id": e + 1,
                "customer_id": i + 1,
                "department_id": depts[dept],
                "reason_category": "payment",
                "reason": "货款逾期超过180天，多次催收无果",
                "loss_amount": Decimal(50_000 + e % 100 * 1000),
                "loss_description": "应收账款损失",
                "state": state,
                "proposed_by_id": users[sales_username(dept, k)],
                "reported_by_id": users[f"bench_manager_{dept}"],
                "reported_at": now - timedelta(days=(today - starts).days + 3),
                "created_at": now - timedelta(days=(today - starts).days + 5),
            }
            if state != "reported":
                row.update(
                    decided_by_id=users["bench_gm"],
                    decided_at=row["reported_at"] + timedelta(days=1),
                    decision_comment="核实无误",
                )
            if state not in ("reported", "rejected"):
                row.update(starts_on=starts, ends_on=ends)
            if state in ("expired", "readmitted"):
                row["expired_at"] = datetime.combine(ends, datetime.min.time(), tzinfo=now.tzinfo)
                marks["ended"].append(i + 1)
            if state == "readmitted":
                row["readmitted_at"] = row["expired_at"] + timedelta(days=20)
            if state == "active":
                marks["active"].append((i + 1, ends))
            yield row

    out = {"entries": ctx.writer.write(Entry, entries())}
    for cid, ends in marks["active"]:
        Customer.objects.filter(pk=cid).update(is_blacklisted=True, blacklisted_until=ends)
    Customer.objects.filter(pk__in=marks["ended"], is_blacklisted=False).update(readmission_required=True)
    return out


# ---------------------------------------------------------------------------------------------
# Grading: an open review round with its proposals (filled in as the grading app lands).


def seed_grading(ctx) -> dict:
    """This year's review round, still open: an evaluation for every active customer, a
    pending proposal where the suggested grade differs (about one customer in ten)."""
    Round = model_or_skip("grading.ReviewRound")
    Evaluation = model_or_skip("grading.Evaluation")
    Proposal = model_or_skip("grading.GradeProposal")
    from customers.models import Customer

    now, today, n = ctx.now, ctx.now.date(), ctx.scale.customers
    opened = now.replace(month=3, day=25, hour=1, minute=0, second=0, microsecond=0)
    year = today.year
    rnd = Round.objects.create(year=year, period_year=year - 1, opened_at=opened, closes_on=date(year, 3, 30))
    blacklisted = set(Customer.objects.filter(is_blacklisted=True).values_list("id", flat=True))
    policy = json.dumps(
        {
            "threshold_a": "3000000",
            "threshold_b": "1000000",
            "threshold_c": "500000",
            "weights": {"volume": 40, "payment": 25, "reputation": 15, "loyalty": 10, "growth": 10},
        }
    )
    proposals = []

    def evaluations():
        for i in range(n):
            grade = grade_of(i)
            if not grade or i % 20 == 3 or i + 1 in blacklisted:
                continue
            suggested = NEIGHBOUR[grade] if i % 10 == 4 else grade
            band = VOLUME_BANDS[suggested]
            volume = band[0] + (band[1] - band[0]) * ((i * 31 + 17) % 100) // 100
            if suggested != grade:
                proposals.append((i + 1, grade, suggested))
            yield {
                "id": i + 1,
                "customer_id": i + 1,
                "kind": "annual",
                "round_id": rnd.id,
                "period_year": year - 1,
                "business_volume": Decimal(volume),
                "receivables": Decimal(volume // 10),
                "grade_before": grade,
                "suggested_grade": suggested,
                "policy": policy,
                "created_at": opened,
            }

    kinds = {k for k, _label in Evaluation._meta.get_field("kind").choices}
    if "annual" not in kinds:
        raise SkipPart(f"grading.Evaluation.kind has no 'annual' choice ({sorted(kinds)})")
    out = {"review_rounds": 1, "evaluations": ctx.writer.write(Evaluation, evaluations())}

    def rows():
        for pid, (cid, grade, suggested) in enumerate(proposals, start=1):
            yield {
                "id": pid,
                "customer_id": cid,
                "kind": "change",
                "from_grade": grade,
                "to_grade": suggested,
                "reason": f"年度评审：建议由{grade}级调整为{suggested}级",
                "evaluation_id": cid,
                "round_id": rnd.id,
                "state": "pending_manager",
                "created_at": opened,
            }

    out["proposals"] = ctx.writer.write(Proposal, rows())
    model_or_skip("grading.GradingPolicy").load()
    return out


PARTS = [
    ("people", seed_people),
    ("customers", seed_customers),
    ("visits", seed_visits),
    ("complaints", seed_complaints),
    ("blacklist", seed_blacklist),
    ("grading", seed_grading),
]


@dataclass
class Context:
    now: datetime
    scale: Scale
    writer: Writer
    fields: set | None = None


def seed_all(*, now: datetime, scale: Scale, log=print) -> dict:
    """Seed every part not seeded yet; returns {part: counts or the reason it was skipped}."""
    stored = meta_get("scale")
    if stored and stored != scale.__dict__:
        raise SystemExit(f"The bench database was seeded at {stored}; run with --reseed to change the scale.")
    meta_set("scale", scale.__dict__)
    ctx = Context(now=now, scale=scale, writer=Writer(now=now))
    report = {}
    if db.vendor_is_postgresql():
        with connection.cursor() as cur:
            cur.execute("SET synchronous_commit TO off")
    for name, fn in PARTS:
        done = meta_get(f"part:{name}")
        if done is not None:
            report[name] = {"seeded": done["counts"], "seconds": done["seconds"], "reused": True}
            continue
        t0 = time.perf_counter()
        try:
            with transaction.atomic():
                counts = fn(ctx)
                seconds = round(time.perf_counter() - t0, 1)
                meta_set(f"part:{name}", {"counts": counts, "seconds": seconds, "at": now.isoformat()})
        except SkipPart as exc:
            report[name] = {"skipped": str(exc)}
            log(f"  seed {name}: skipped ({exc})")
            continue
        report[name] = {"seeded": counts, "seconds": seconds}
        log(f"  seed {name}: {counts} in {seconds} s")
        if db.vendor_is_postgresql():
            with connection.cursor() as cur:
                cur.execute("ANALYZE")
    return report
