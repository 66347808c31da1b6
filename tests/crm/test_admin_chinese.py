"""The admin fully in Chinese (issue 14 §18): axes' section and pages, the user-add form, the
audit log's action names, the header's greeting, the proposal list's score column."""

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from crm.audit_actions import ACTION_LABELS, action_label
from crm.services import audit_record

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
APPS = ("crm", "customers", "grading", "visits", "complaints", "blacklist", "engagement", "sales")
ACTION_CODE = re.compile(r'"((?:' + "|".join(APPS) + r'|security)\.[a-z_]+(?:\.[a-z_]+)?)"')


def _zh(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def _visible_text(html: str) -> str:
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    return re.sub(r"\s+", " ", re.sub(r"(?s)<[^>]+>", " ", html))


def test_axes_section_and_pages_are_chinese(administrator):
    administrator.set_password("pw-Admin-2026")
    administrator.save()
    Client().post(reverse("login"), {"username": administrator.username, "password": "wrong"})
    Client().post(reverse("login"), {"username": administrator.username, "password": "pw-Admin-2026"})
    client = _zh(administrator)
    index = _visible_text(client.get(reverse("admin:index")).content.decode())
    assert "登录安全" in index and "登录尝试" in index and "登录失败" in index and "登录记录" in index
    for english in ("Access attempts", "Access failures", "Access logs", "Axes"):
        assert english not in index
    attempts = _visible_text(client.get(reverse("admin:axes_accessattempt_changelist")).content.decode())
    assert "尝试时间" in attempts and "Attempt Time" not in attempts
    for name in ("accessfailurelog", "accesslog"):
        page = _visible_text(client.get(reverse(f"admin:axes_{name}_changelist")).content.decode())
        assert "IP 地址" in page and "用户名" in page, name
        assert "IP Address" not in page and "User Agent" not in page, name


def test_the_user_add_form_has_no_english_help_text(administrator):
    page = _visible_text(_zh(administrator).get(reverse("admin:crm_user_add")).content.decode())
    english = re.findall(r"[A-Z][a-z]+(?: [a-z]+){3,}[^。]*?[.]", page)
    assert not english, english


def test_the_header_greets_the_display_name(manager):
    page = _zh(manager).get(reverse("admin:index")).content.decode()
    greeting = re.search(r'(?s)<div id="user-tools">(.*?)</div>', page).group(1)
    assert "陈静" in greeting and "manager1" not in greeting


def test_the_audit_log_shows_readable_action_names_in_both_languages(administrator, gm_office):
    audit_record(actor=gm_office, action="blacklist.entry.approved")
    page = _visible_text(_zh(administrator).get(reverse("admin:crm_auditlog_changelist")).content.decode())
    assert "黑名单审批通过" in page and "blacklist.entry.approved" not in page
    with translation.override("en"):
        assert action_label("blacklist.entry.approved") == "Blacklist entry approved"
    with translation.override("zh-hans"):
        assert action_label("blacklist.entry.approved") == "黑名单审批通过"
    assert action_label("some.new.code") == "some.new.code"


def test_every_action_code_in_the_source_has_a_readable_name():
    codes = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if "audit_record" not in text and "action" not in text:
                continue
            for match in re.finditer(r"action\s*=\s*([^\n]+)", text):
                codes.update(ACTION_CODE.findall(match.group(1)))
    assert len(codes) > 40
    missing = sorted(c for c in codes if c not in ACTION_LABELS)
    assert not missing, "audit actions without a name in crm/audit_actions.py: " + ", ".join(missing)
    with translation.override("zh-hans"):
        untranslated = sorted(
            c for c, label in ACTION_LABELS.items() if re.search(r"[A-Za-z]{3}", str(label))
        )
    assert not untranslated, untranslated


def test_the_proposal_score_is_a_dash_without_a_score():
    from types import SimpleNamespace

    from django.contrib import admin

    from grading.models import GradeProposal

    model_admin = admin.site._registry[GradeProposal]
    assert model_admin.score(SimpleNamespace(evaluation=None)) == "—"
    no_score = SimpleNamespace(evaluation=SimpleNamespace(weighted_score=None, suggested_grade="A"))
    assert model_admin.score(no_score) == "—"
    scored = SimpleNamespace(evaluation=SimpleNamespace(weighted_score=82, suggested_grade="A"))
    assert model_admin.score(scored) == "82 · A"
