"""CSRF on every state-changing request, CSP without inline script, security headers, check --deploy."""

import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from crm.models import AuditLog

from .urlconf import all_routes

pytestmark = pytest.mark.django_db
ROOT = Path(settings.BASE_DIR)


def _template_files():
    dirs = [ROOT / "templates"] + [p for p in ROOT.glob("*/templates") if ".venv" not in p.parts]
    return sorted({f for d in dirs for f in d.rglob("*.html")})


def test_every_url_refuses_a_post_without_a_csrf_token(administrator):
    """A superuser (who may do anything) still cannot POST anywhere without the token."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(administrator)
    accepted = []
    routes = all_routes()
    assert len(routes) > 100
    for route in routes:
        if route.name in ("login", "admin:login"):
            continue  # checked below, anonymous
        if route.name and route.name.startswith("api:"):
            # The ERP's API takes only a token header, never the session cookie, so there is no
            # cross-site request to forge: a logged-in browser gets 401 (or 405), never a write.
            assert client.post(route.path(), {"x": "1"}).status_code in (401, 405), route.name
            continue
        response = client.post(route.path(), {"x": "1"})
        if response.status_code != 403:
            accepted.append((route.name or route.pattern, response.status_code))
    assert not accepted, f"POST accepted without a CSRF token: {accepted}"


@pytest.mark.parametrize("url_name", ["login", "admin:login", "set_language"])
def test_anonymous_forms_need_the_csrf_token_too(url_name, salesperson):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse(url_name), {"username": "sales1", "password": "pw", "language": "en"})
    assert response.status_code == 403


def test_a_post_with_the_token_is_accepted(salesperson, settings):
    settings.AXES_ENABLED = False
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("login"))
    token = client.cookies["csrftoken"].value
    response = client.post(
        reverse("login"), {"username": "sales1", "password": "pw", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


def test_a_failed_csrf_check_is_logged_in_the_audit_trail(salesperson):
    client = Client(enforce_csrf_checks=True)
    client.force_login(salesperson)
    assert client.post(reverse("notifications_read_all")).status_code == 403
    row = AuditLog.objects.get(action="security.permission_denied")
    assert row.actor == salesperson and row.after["path"] == reverse("notifications_read_all")


def test_pages_carry_the_csp_and_security_headers(client_for, salesperson):
    response = client_for(salesperson).get(reverse("customers:list"))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["script-src"] == "'self'", "no 'unsafe-inline', no 'unsafe-eval', no other origin"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'self'"
    assert directives["form-action"] == "'self'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_login_page_carries_the_headers_too(client):
    response = client.get(reverse("login"))
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I | re.S)
JS_URL = re.compile(r"(href|src|action)\s*=\s*[\"']?\s*javascript:", re.I)
STYLE_ATTR = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I | re.S)
STYLE_TAG = re.compile(r"<style\b", re.I)
COMMENTS = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}|<!--.*?-->", re.S)


def test_no_template_has_inline_script_event_handlers_or_inline_style():
    """CSP forbids them: they would silently not work in the browser (or need 'unsafe-inline')."""
    files = _template_files()
    assert len(files) > 30
    found = []
    for f in files:
        text = COMMENTS.sub("", f.read_text(encoding="utf-8"))
        for label, rx in (
            ("inline <script>", INLINE_SCRIPT),
            ("on*= handler", EVENT_HANDLER),
            ("javascript: URL", JS_URL),
            ("style attribute", STYLE_ATTR),
            ("<style>", STYLE_TAG),
        ):
            for m in rx.finditer(text):
                # A JSON data island (json_script) is data, not code, and CSP allows it.
                if label == "inline <script>" and 'type="application/json"' in m.group(0):
                    continue
                found.append(f"{f.relative_to(ROOT)}: {label}: {m.group(0)[:80]}")
    assert not found, "\n".join(found)


def test_the_scan_would_catch_what_it_looks_for():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/js/crm.js"></script>')
    assert EVENT_HANDLER.search('<button class="x"\n onclick="go()">')
    assert not EVENT_HANDLER.search('<button data-confirm="sure?">')
    assert JS_URL.search('<a href="javascript:void(0)">')
    assert STYLE_ATTR.search('<div style="color:red">')


def test_uploaded_files_are_served_only_through_views():
    """MEDIA_ROOT is outside the static root and no URL serves it directly."""
    media = Path(settings.MEDIA_ROOT).resolve()
    assert not str(media).startswith(str(Path(settings.STATIC_ROOT).resolve()))
    assert settings.STORAGES["default"]["OPTIONS"]["base_url"] is None
    assert not any(
        r.pattern.startswith(("media", settings.MEDIA_URL.strip("/") or "media/")) for r in all_routes()
    )


@pytest.mark.skipif(not (ROOT / "scripts" / "deploy-check.sh").exists(), reason="no deploy check script")
def test_check_deploy_is_clean_with_the_production_settings():
    result = subprocess.run(  # noqa: S603
        ["bash", str(ROOT / "scripts" / "deploy-check.sh")],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout + result.stderr
