"""The CRM's URLs plus two bare views: the framework floor of every page.

`bench:bare` goes through the same middleware (sessions, auth, CSP, axes, ...) as a real
page and does nothing; `bench:base` renders base.html with its context processors (menu,
unread notifications) and an empty body. A page's time minus these is what the page itself
costs.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import include, path

from crm.urls import urlpatterns as crm_urlpatterns


@login_required
def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


@login_required
def base(request):
    return render(request, "base.html", {})


bench_patterns = (
    [path("bare/", bare, name="bare"), path("base/", base, name="base")],
    "bench",
)

urlpatterns = [path("__bench__/", include(bench_patterns)), *crm_urlpatterns]
