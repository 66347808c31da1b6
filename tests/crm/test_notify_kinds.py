"""Every notification kind used in the code base is registered (label, delivery, group)."""

import re
from pathlib import Path

from crm.notify.kinds import DIGEST, IMMEDIATE, KINDS, kind_get

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", "tests", "migrations", "bench", "node_modules", "var"}
# kind="..." in a notification (keyword), and the kind column of NOTIFICATION_VALUES tuples.
KEYWORD = re.compile(r"""kind=["']([a-z][a-z0-9_]+)["']""")
TUPLE = re.compile(r"""\(\s*[\w.]+,\s*["']([a-z]+_[a-z0-9_]+)["'],\s*title""")


def kinds_used() -> set[str]:
    used = set()
    for path in ROOT.rglob("*.py"):
        if SKIP & set(path.relative_to(ROOT).parts):
            continue
        text = path.read_text(encoding="utf-8")
        if "notification_" not in text and "Notification(" not in text:
            continue
        used |= set(KEYWORD.findall(text)) | set(TUPLE.findall(text))
    return used


def test_every_kind_sent_in_the_code_is_registered():
    used = kinds_used()
    assert {"visit_overdue", "visit_overdue_manager", "complaint_overdue", "archive_update"} <= used
    missing = sorted(used - set(KINDS))
    assert not missing, "register these kinds in crm/notify/kinds.py: " + ", ".join(missing)


def test_reminders_are_digest_kinds_and_escalations_immediate():
    for code in (
        "visit_overdue",
        "visit_overdue_manager",
        "archive_update",
        "engagement_cadence_due",
        "engagement_cadence_overdue",
        "engagement_greeting",
        "sales_instalment_due",
        "sales_payment_overdue",
        "reports_due",
        "reports_overdue",
        "visits_plan_missed",
    ):
        assert KINDS[code].delivery == DIGEST, code
    for code in (
        "complaint_overdue",
        "grading_demotion_overdue",
        "grading_approval",
        "grading_decision",
        "blacklist_proposed",
        "security_lockout",
        "digest",
    ):
        assert KINDS[code].delivery == IMMEDIATE, code


def test_an_unknown_kind_is_immediate_not_an_error():
    assert kind_get("someone_new").delivery == IMMEDIATE
