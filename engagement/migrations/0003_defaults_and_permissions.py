"""Defaults of domain §9 (the contact cadence) and §14 (festivals, their dates 2025–2028), and
the role permissions of the engagement app."""

import datetime

from django.db import migrations

from crm.roles import grant

# tier, who, how, interval days, head visit counts (domain §9).
CADENCE = [
    ("strategic", "head", "any", 7, False),
    ("key", "head", "any", 7, False),
    ("ordinary", "head", "any", 30, False),
    ("strategic", "vp", "any", 30, False),
    ("strategic", "vp", "onsite", 365, False),
    ("strategic", "head", "onsite", 365, False),
    ("key", "head", "onsite", 365, False),
    ("ordinary", "salesperson", "onsite", 730, True),
]

# code, name, fixed month/day (None: lunar, dates below).
FESTIVALS = [
    ("spring", "春节", None, None),
    ("lantern", "元宵节", None, None),
    ("dragon_boat", "端午节", None, None),
    ("mid_autumn", "中秋节", None, None),
    ("national_day", "国庆节", 10, 1),
]
# The lunar festivals' dates (chinese_calendar 1.11 knows holidays only up to 2026, and gives
# the first day off rather than the festival day): the administrator adds later years.
LUNAR_DATES = {
    "spring": ["2025-01-29", "2026-02-17", "2027-02-06", "2028-01-26"],
    "lantern": ["2025-02-12", "2026-03-03", "2027-02-20", "2028-02-09"],
    "dragon_boat": ["2025-05-31", "2026-06-19", "2027-06-09", "2028-05-28"],
    "mid_autumn": ["2025-10-06", "2026-09-25", "2027-09-15", "2028-10-03"],
}

VIEW = [f"view_{m}" for m in ("tierproposal", "tierchange", "contactrecord", "customermeeting")]
POLICY = [f"{a}_{m}" for m in ("cadencerule", "festival", "festivaldate", "engagementpolicy")
          for a in ("add", "change", "delete", "view")]


def seed(apps, schema_editor):
    CadenceRule = apps.get_model("engagement", "CadenceRule")
    Festival = apps.get_model("engagement", "Festival")
    FestivalDate = apps.get_model("engagement", "FestivalDate")
    for tier, who, how, days, head in CADENCE:
        CadenceRule.objects.get_or_create(
            tier=tier, who=who, how=how, defaults={"interval_days": days, "head_visit_counts": head}
        )
    for code, name, month, day in FESTIVALS:
        festival, _ = Festival.objects.get_or_create(code=code, defaults={"name": name, "month": month, "day": day})
        for iso in LUNAR_DATES.get(code, []):
            d = datetime.date.fromisoformat(iso)
            FestivalDate.objects.get_or_create(festival=festival, year=d.year, defaults={"date": d})
    grant(apps, "engagement", {
        "assistant": VIEW,
        "manager": VIEW,
        "gm_office": VIEW + ["approve_tierproposal"],
        "admin": VIEW + POLICY,
    })


class Migration(migrations.Migration):
    dependencies = [("engagement", "0002_tiers_cadence_care"), ("crm", "0002_role_groups")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
