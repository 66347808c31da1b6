"""Demo data of the archive: departments, one user per role, ~300 customers (idempotent).

Run through `python manage.py seed_demo` (first of settings.DEMO_SEEDERS). Everything is
generated from a fixed seed, so the same names and credit codes come back on every machine;
rows that already exist are left alone.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from crm.models import Department, Role, User
from crm.roles import sync_user_groups

from .models import (
    BusinessProfile,
    Contact,
    ContactPosition,
    Customer,
    CustomerStatus,
    SourceChannel,
    StaffSize,
    YearlyFigure,
)
from .pinyin import set_customer_keys
from .validators import credit_code_check_char, normalize_company_name

DEPARTMENTS = [
    ("east", "华东销售部", False),
    ("south", "华南销售部", False),
    ("gmo", "总经办", True),
]

USERS = [
    # username, full name, role, department code
    ("admin", "系统管理员", Role.ADMIN, None),
    ("gm", "周建国", Role.GM_OFFICE, "gmo"),
    ("manager_east", "陈静", Role.MANAGER, "east"),
    ("manager_south", "杨帆", Role.MANAGER, "south"),
    ("assistant_east", "刘洋", Role.ASSISTANT, "east"),
    ("sales_east_1", "张伟", Role.SALESPERSON, "east"),
    ("sales_east_2", "李娜", Role.SALESPERSON, "east"),
    ("sales_south_1", "王芳", Role.SALESPERSON, "south"),
]

REGIONS = {
    "east": [
        ("上海市", ["上海"], "310000"),
        ("江苏省", ["南京", "苏州", "无锡", "常州"], "320000"),
        ("浙江省", ["杭州", "宁波", "温州", "嘉兴"], "330000"),
        ("安徽省", ["合肥", "芜湖"], "340000"),
    ],
    "south": [
        ("广东省", ["广州", "深圳", "佛山", "东莞"], "440000"),
        ("福建省", ["福州", "厦门", "泉州"], "350000"),
        ("广西壮族自治区", ["南宁", "柳州"], "450000"),
        ("海南省", ["海口"], "460000"),
    ],
}
WORDS = [
    "恒力",
    "华美",
    "宏达",
    "永盛",
    "鑫源",
    "天成",
    "金桥",
    "新世纪",
    "瑞丰",
    "东方",
    "长江",
    "明阳",
    "正泰",
    "博远",
    "联创",
    "中科",
    "远航",
    "嘉禾",
    "精工",
    "海纳",
    "同心",
    "汇通",
    "盛世",
    "立信",
    "百川",
    "光明",
    "华夏",
    "腾飞",
]
INDUSTRIES = [
    ("机械制造", "机械"),
    ("电子元器件", "电子"),
    ("化工材料", "化工"),
    ("汽车零部件", "汽配"),
    ("建筑工程", "建工"),
    ("食品加工", "食品"),
    ("纺织服装", "纺织"),
    ("新能源", "能源"),
    ("医疗器械", "医疗"),
    ("物流贸易", "贸易"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "晓东",
    "海燕",
    "志强",
    "丽娟",
]
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _credit_code(rng: random.Random, region: str) -> str:
    org = "".join(rng.choice(CREDIT_ALPHABET) for _ in range(9))
    body = f"91{region}{org}"
    return body + credit_code_check_char(body)


def _mobile(rng: random.Random) -> str:
    return (
        rng.choice(["138", "139", "135", "136", "150", "151", "186", "187", "177", "199"])
        + f"{rng.randrange(10**8):08d}"
    )


def seed_people(*, password: str | None = None) -> dict[str, User]:
    password = password or settings.DEMO_PASSWORD
    depts = {}
    for code, name, head in DEPARTMENTS:
        depts[code], _ = Department.objects.get_or_create(
            code=code, defaults={"name": name, "is_head_office": head}
        )
    users = {}
    for username, full_name, role, dept in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                full_name=full_name,
                role=role,
                email=f"{username}@example.com",
                department=depts.get(dept),
                is_superuser=(role == Role.ADMIN),
            )
            user.set_password(password)
            user.save()
        sync_user_groups(user)
        users[username] = user
    return users


@transaction.atomic
def seed(*, now=None, count: int = 300) -> str:
    now = now or timezone.now()
    users = seed_people()
    rng = random.Random(2026)
    today = timezone.localdate(now)
    owners = {
        "east": [users["sales_east_1"], users["sales_east_2"]],
        "south": [users["sales_south_1"]],
    }
    existing = set(Customer.objects.values_list("name_normalized", flat=True))
    new_customers = []
    names_seen = set()  # names generated in this run, so a rerun generates the same ones
    for i in range(count):
        dept_code = "east" if i % 3 else "south"
        province, cities, region = rng.choice(REGIONS[dept_code])
        city = rng.choice(cities)
        word = rng.choice(WORDS)
        industry, suffix = rng.choice(INDUSTRIES)
        name = f"{city}{word}{suffix}{'科技' if i % 4 == 0 else ''}有限公司"
        if normalize_company_name(name) in names_seen:
            name = f"{city}{word}{suffix}{i}号有限公司"
        code = _credit_code(rng, region)
        r = rng.random()
        status = (
            CustomerStatus.ACTIVE
            if r < 0.85
            else (CustomerStatus.PROSPECT if r < 0.95 else CustomerStatus.INACTIVE)
        )
        owner = owners[dept_code][i % len(owners[dept_code])]
        normalized = normalize_company_name(name)
        names_seen.add(normalized)
        start = today - timedelta(days=rng.randrange(60, 3650)) if status != CustomerStatus.PROSPECT else None
        # Every random draw happens before this check, so a rerun draws the same sequence.
        candidate = Customer(
            name=name,
            name_normalized=normalized,
            short_name=f"{word}{suffix}",
            credit_code=code,
            industry=industry,
            province=province,
            city=city,
            address=f"{city}市{rng.choice(['高新区', '经济开发区', '工业园区'])}{rng.randrange(1, 300)}号",
            phone=f"0{rng.randrange(10, 99)}-{rng.randrange(10**7, 10**8)}",
            business_scope=f"{industry}产品的研发、生产与销售",
            registered_capital=Decimal(rng.choice([100, 200, 500, 1000, 2000, 5000])),
            staff_size=rng.choice(StaffSize.values),
            source_channel=rng.choice(SourceChannel.values),
            cooperation_start=start,
            owner=owner,
            department_id=owner.department_id,
            status=status,
            is_key=(i % 25 == 0),
            created_by=users["assistant_east"] if dept_code == "east" else owner,
            last_confirmed_at=now - timedelta(days=rng.randrange(0, 300)),
            last_confirmed_by=owner,
        )
        set_customer_keys(candidate)
        if normalized not in existing:
            new_customers.append(candidate)
    Customer.objects.bulk_create(new_customers, batch_size=500)
    created = Customer.objects.filter(name_normalized__in=[c.name_normalized for c in new_customers])
    contacts, figures, profiles = [], [], []
    for customer in created:
        for j in range(rng.randint(1, 3)):
            contacts.append(
                Contact(
                    customer=customer,
                    name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                    position=rng.choice(ContactPosition.values),
                    mobile=_mobile(rng),
                    email=f"contact{customer.pk}_{j}@example.cn",
                    wechat=f"wx{customer.pk}{j}",
                    preferences=rng.choice(
                        ["喜欢喝茶，注重细节", "性格直爽，重视价格", "关注交期与质量", "爱好高尔夫", ""]
                    ),
                    is_primary=(j == 0),
                )
            )
        base = rng.choice([200_000, 600_000, 1_200_000, 2_000_000, 3_500_000, 5_000_000])
        if customer.status == CustomerStatus.PROSPECT:
            base = 0
        for k, year in enumerate((today.year - 2, today.year - 1, today.year)):
            volume = Decimal(int(base * (0.8 + 0.15 * k + rng.random() * 0.3)))
            figures.append(
                YearlyFigure(
                    customer=customer,
                    year=year,
                    business_volume=volume,
                    receivables=(volume * Decimal(rng.choice([0, 0.05, 0.1, 0.2]))).quantize(Decimal("1")),
                    overdue_payment_count=rng.choice([0, 0, 0, 0, 1, 2]),
                    overdue_pickup_count=rng.choice([0, 0, 0, 0, 0, 1]),
                )
            )
        profiles.append(
            BusinessProfile(
                customer=customer,
                main_products=f"{customer.industry}相关产品",
                competitors=rng.choice(["同行A公司、同行B公司", "本地中小供应商", "进口品牌"]),
                purchasing_channels=rng.choice(["年度招标", "询价比价", "长期协议采购"]),
                market_share=rng.choice(["约5%", "约10%", "约20%", "不详"]),
            )
        )
    Contact.objects.bulk_create(contacts, batch_size=1000)
    YearlyFigure.objects.bulk_create(figures, batch_size=1000)
    BusinessProfile.objects.bulk_create(profiles, batch_size=1000, ignore_conflicts=True)
    # Some archives overdue for the semi-annual confirmation (每半年反馈).
    if new_customers:
        stale = list(created.order_by("pk").values_list("pk", flat=True)[::9])
        Customer.objects.filter(pk__in=stale).update(last_confirmed_at=now - timedelta(days=220))
        Customer.objects.filter(pk__in=stale).update(created_at=now - timedelta(days=800))
    return f"{len(users)} users, {len(new_customers)} new customers, {len(contacts)} contacts, {len(figures)} yearly figures"


def demo_today(now=None) -> date:
    return timezone.localdate(now or timezone.now())
