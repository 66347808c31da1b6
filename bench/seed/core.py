"""Customers (with contacts and yearly figures) and their visit reports."""

from datetime import date, timedelta
from decimal import Decimal

from .base import (
    CONTACTS_PER_CUSTOMER,
    EMPTY_CUSTOMER_ID,
    GIVEN,
    HEAVY_CUSTOMER_ID,
    HEAVY_VISITS,
    INDUSTRIES,
    NEIGHBOUR,
    REGIONS,
    SURNAMES,
    VOLUME_BANDS,
    WORDS,
    credit_code,
    dept_ids,
    grade_of,
    model_or_skip,
    owner_of,
    sales_username,
    user_ids,
)

# ---------------------------------------------------------------------------------------------
# Customers, contacts, yearly figures.


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
