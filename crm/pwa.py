"""The installable, offline-safe web app (issue 17): the web manifest and the service worker.

The service worker is served from the site root (/sw.js, `Service-Worker-Allowed: /`) so its
scope covers every page. It precaches the vendored static files of the pages a salesperson uses
and keeps the last copy of each page opened (network first), which it shows without network;
offline drafts (IndexedDB) are kept and sent by static/js/offline.js, not by the worker.
"""

import hashlib
import json

from django.conf import settings
from django.http import HttpResponse
from django.templatetags.static import static
from django.urls import get_resolver, get_script_prefix, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control

# Static files the offline pages need: precached when the worker installs.
PRECACHE = [
    "vendor/bootstrap/bootstrap.min.css",
    "vendor/bootstrap/bootstrap.bundle.min.js",
    "vendor/htmx/htmx.min.js",
    "css/crm.css",
    "css/phone.css",
    "js/crm.js",
    "js/submit-once.js",
    "js/offline.js",
    "js/visits.js",
    "js/checkin.js",
    "icons/crm-192.png",
    "icons/crm-512.png",
]
# Pages kept for offline use: the salesperson's apps (and any form of another app under these),
# by URL namespace: where crm/urls.py mounts them is read from the URLconf.
CACHED_APPS = ["visits", "customers", "complaints", "engagement"]
# Never kept on the phone: downloads, exports, the feed, the admin.
UNCACHED_PAGE_PARTS = ["/export", "/attachments/", "/documents/", "/feed/", "/import", "/admin/", "/evidence"]


@cache_control(max_age=3600)
def manifest(request):
    data = {
        "name": _("Customer management system"),
        "short_name": _("CRM"),
        "lang": "zh-CN",
        "start_url": reverse("home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0d6efd",
        "icons": [
            {
                "src": static("icons/crm-192.png"),
                "sizes": "192x192",
                "type": "image/png",
                "purpose": "any maskable",
            },
            {
                "src": static("icons/crm-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "any maskable",
            },
        ],
    }
    return HttpResponse(
        json.dumps(data, ensure_ascii=False), content_type="application/manifest+json; charset=utf-8"
    )


def mount_point(namespace: str) -> str:
    """The path under which crm/urls.py includes an app's URLs ("/customers/")."""
    prefix, _resolver = get_resolver().namespace_dict[namespace]
    return get_script_prefix() + prefix


SW_SOURCE = settings.BASE_DIR / "static" / "js" / "sw.js"


def service_worker_config(code: str) -> dict:
    assets = [static(p) for p in PRECACHE]
    # A new version (new static names, or new worker code) replaces the caches of the old one.
    version = hashlib.sha256(("\n".join(assets) + code).encode()).hexdigest()[:12]
    return {
        "version": version,
        "precache": assets,
        "pagePrefixes": [get_script_prefix(), *(mount_point(app) for app in CACHED_APPS)],
        "uncachedParts": UNCACHED_PAGE_PARTS,
        "loginPath": reverse("login"),
        "staticUrl": settings.STATIC_URL
        if settings.STATIC_URL.startswith("/")
        else "/" + settings.STATIC_URL,
    }


@cache_control(no_cache=True, max_age=0)
def service_worker(request):
    """/sw.js: the worker's code (static/js/sw.js) with its configuration on top."""
    source = SW_SOURCE.read_text(encoding="utf-8")
    code = f"var CRM_SW = {json.dumps(service_worker_config(source))};\n" + source
    response = HttpResponse(code, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response
