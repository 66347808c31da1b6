from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .dashboards.pages import dashboard_for
from .dashboards.registry import DashboardContext
from .models import Notification
from .notify.kinds import kind_label
from .registry import workbench_widgets


def csrf_failure(request, reason=""):
    """The CSRF failure page: in Chinese, in the site's layout, with the way out (reload and retry)."""
    return render(request, "403_csrf.html", {"reason": reason}, status=403)


@login_required
def home(request):
    """The 工作台: what needs the user today (tiles), how the scope is doing (charts), and the
    widgets listed for the user's role (screens/workbench.py). Tiles, charts and widgets share one
    DashboardContext: one `now`, and an aggregate a tile computed is not run again by a widget."""
    ctx = DashboardContext(user=request.user, now=timezone.now())
    context = dashboard_for(request.user, now=ctx.now, ctx=ctx)
    context["widgets"] = workbench_widgets(request, ctx)
    return render(request, "crm/home.html", context)


@login_required
def notification_list(request):
    """The notification centre: immediate ones and digests; by kind (digest items too) or the
    reminders that went into digests (`scope=digest`); unread only; paged."""
    qs = Notification.objects.filter(recipient=request.user).order_by("-created_at", "-id")
    kind = request.GET.get("kind", "")
    scope = request.GET.get("scope", "")
    if kind:
        qs = qs.filter(kind=kind)
    elif scope == "digest":
        qs = qs.filter(delivery="digest")
    else:
        qs = qs.filter(delivery="immediate")
    if request.GET.get("unread"):
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    kinds = (
        Notification.objects.filter(recipient=request.user)
        .values_list("kind", flat=True)
        .distinct()
        .order_by("kind")
    )
    return render(
        request,
        "crm/notifications.html",
        {
            "page": page,
            "unread_only": bool(request.GET.get("unread")),
            "kind": kind,
            "scope": scope,
            "kind_label": kind_label(kind) if kind else "",
            "kinds": sorted(((k, kind_label(k)) for k in kinds), key=lambda kv: kv[1]),
        },
    )


@login_required
def notification_open(request, pk):
    """Open a notification's target and mark it read (another person's id: 404)."""
    note = get_object_or_404(Notification, pk=pk, recipient=request.user)
    services.notification_mark_read(user=request.user, notification_id=note.pk)
    if note.url and url_has_allowed_host_and_scheme(note.url, allowed_hosts={request.get_host()}):
        return redirect(note.url)
    return redirect("notifications")


@login_required
@require_POST
def notification_read(request, pk=None):
    kind = request.POST.get("kind") or None
    count = services.notification_mark_read(user=request.user, notification_id=pk, kind=kind)
    target = request.POST.get("next", "")
    if pk is None:
        messages.success(request, _("%(count)d notifications marked as read.") % {"count": count})
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications")


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: send them to the static file."""
    return HttpResponsePermanentRedirect(static("img/favicon.ico"))


class PasswordChangeView(auth_views.PasswordChangeView):
    """Everyone changes their own password (linked from the user menu); Django's validators
    explain a refusal in Chinese. Other sessions of the user end (the session hash changes);
    the change is in the audit trail, never the password."""

    template_name = "registration/password_change_form.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        services.audit_record(
            actor=self.request.user, action="crm.user.password_changed", target=self.request.user
        )
        messages.success(self.request, _("Your password was changed."))
        return response
