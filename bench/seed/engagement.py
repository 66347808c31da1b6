"""Key accounts (issue 18): tiers with their account managers, a vice-president, and the
contact log (3,000,000 records over the last two years) that the cadence job reads. The
cadence rules themselves are the data migration's defaults."""

from datetime import timedelta

from .base import DEPARTMENTS, HEAVY_CUSTOMER_ID, grade_of, model_or_skip, owner_of, sales_username, user_ids

HEAVY_CONTACT_RECORDS = 500  # the heavy customer's timeline
MODES = ["phone", "wechat", "phone", "email", "meeting", "visit"]
SUMMARIES = ["确认下季度采购计划", "沟通交期与质量问题", "介绍新一代型号", "催收货款并确认对账"]


def tier_of(i: int) -> str:
    """1% 战略合作伙伴, 5% 关键客户 (among the graded customers), prospects 储备, the rest 一般."""
    if not grade_of(i):
        return "reserve"
    r = (i * 7919) % 100  # the best grades first: the strategic ones are grade A
    return "strategic" if r < 1 else "key" if r < 6 else "ordinary"


def contact_record_count(i: int, per_customer: float) -> int:
    if i + 1 == HEAVY_CUSTOMER_ID:
        return HEAVY_CONTACT_RECORDS
    return int((i * 37) % 61 * per_customer / 30 + 0.5)


def seed_engagement(ctx) -> dict:
    ContactRecord = model_or_skip("engagement.ContactRecord")
    model_or_skip("engagement.CadenceRule")
    from crm.models import Role, User
    from customers.models import Customer

    users, now, n = user_ids(), ctx.now, ctx.scale.customers
    vp, _created = User.objects.get_or_create(
        username="bench_vp",
        defaults={"full_name": "副总", "role": Role.GM_OFFICE, "is_vice_president": True},
    )
    # Tiers and account managers, set-based: one UPDATE per tier.
    by_tier: dict[str, list[int]] = {}
    for i in range(n):
        by_tier.setdefault(tier_of(i), []).append(i)
    counts = {}
    for tier, rows in by_tier.items():
        counts[f"tier_{tier}"] = len(rows)
        for start in range(0, len(rows), 5000):
            ids = [i + 1 for i in rows[start : start + 5000]]
            Customer.objects.filter(pk__in=ids).update(tier=tier)
    # The account manager of a 战略/关键 customer is its salesperson (专员专管).
    for dept, _name in DEPARTMENTS:
        for k in range(1, 11):
            ids = [
                i + 1 for t in ("strategic", "key") for i in by_tier.get(t, ()) if owner_of(i) == (dept, k)
            ]
            Customer.objects.filter(pk__in=ids).update(account_manager_id=users[sales_username(dept, k)])
    per_customer = max(0.0, (ctx.scale.contact_records - HEAVY_CONTACT_RECORDS) / max(1, n - 1))

    def records():
        rid = 0
        for i in range(n):
            dept, k = owner_of(i)
            owner, head = users[sales_username(dept, k)], users[f"bench_manager_{dept}"]
            key_account = tier_of(i) in ("strategic", "key")
            count = contact_record_count(i, per_customer)
            newest = (i * 17) % 90  # days since the customer's latest contact
            for j in range(count):
                rid += 1
                r = (i * 7 + j * 13) % 20
                who = (
                    owner
                    if r < 13
                    else head
                    if r < 18
                    else (vp.pk if key_account else owner)
                    if r < 19
                    else users["bench_gm"]
                )
                days = newest + j * (730 - newest) // max(1, count)
                at = now - timedelta(days=days, hours=(i + j) % 9)
                yield {
                    "id": rid,
                    "customer_id": i + 1,
                    "contact_id": i * 3 + 1,
                    "user_id": who,
                    "mode": MODES[(i + j) % len(MODES)],
                    "contacted_at": at,
                    "summary": SUMMARIES[j % len(SUMMARIES)],
                    "created_at": at,
                }

    counts["contact_records"] = ctx.writer.write(ContactRecord, records())
    counts["cadence_rules"] = model_or_skip("engagement.CadenceRule").objects.filter(is_active=True).count()
    return counts
