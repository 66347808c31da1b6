"""Complaint tickets, blacklist entries, the annual review round."""

import json
from datetime import date, datetime, timedelta
from decimal import Decimal

from .base import (
    EMPTY_CUSTOMER_ID,
    HEAVY_CUSTOMER_ID,
    NEIGHBOUR,
    VOLUME_BANDS,
    SkipPart,
    dept_ids,
    field_names,
    grade_of,
    model_or_skip,
    owner_of,
    sales_username,
    user_ids,
)

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
