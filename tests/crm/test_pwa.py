"""The installable app (issue 17): manifest and service worker served from the site root."""

import json

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_manifest_names_the_app_its_icons_colours_and_start_page(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/manifest+json")
    data = json.loads(response.content)
    assert data["name"] == "客户管理系统" and data["start_url"] == "/" and data["display"] == "standalone"
    assert data["theme_color"] and data["background_color"]
    sizes = {icon["sizes"] for icon in data["icons"]}
    assert {"192x192", "512x512"} <= sizes
    from django.contrib.staticfiles import finders

    for icon in data["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/")), icon["src"]


def test_the_service_worker_is_served_from_the_root_scope_with_its_precache(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Content-Type"].startswith("application/javascript")
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    config = json.loads(body.split("var CRM_SW = ", 1)[1].split(";\n", 1)[0])
    assert (
        "/static/js/offline.js" in config["precache"]
        and "/static/vendor/bootstrap/bootstrap.min.css" in config["precache"]
    )
    assert all(not a.startswith("http") for a in config["precache"])  # vendored, no CDN
    # where crm/urls.py mounts the salesperson's apps, read from the URLconf
    assert config["pagePrefixes"] == ["/", "/visits/", "/customers/", "/complaints/", "/engagement/"]
    assert 'addEventListener("fetch"' in body


def test_every_page_links_the_manifest_and_the_offline_script(client_for, salesperson):
    body = client_for(salesperson).get(reverse("home")).content.decode()
    assert 'rel="manifest" href="/manifest.webmanifest"' in body
    assert "js/offline.js" in body and "data-offline-banner" in body and 'data-rendered-at="' in body
    assert f'data-user="{salesperson.pk}"' in body


def test_the_phone_forms_are_marked_for_offline_drafts(client_for, salesperson, customer):
    client = client_for(salesperson)
    for url in (reverse("visits:report_create"), reverse("visits:plan_create"), reverse("complaints:create")):
        body = client.get(url, {"customer": customer.pk}).content.decode()
        assert "data-offline-draft=" in body and 'name="submission_key"' in body, url
