from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from . import pwa, views
from .dashboards import views as dashboard_views
from .notify import views as notify_views

admin.site.site_header = _("Customer management system")
admin.site.site_title = _("Customer management system")
# At 1280 px the sidebar of every model took a quarter of the width and squeezed the changelists
# (the proposal list's 部门/状态 onto three lines); the breadcrumbs and the index remain.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("", views.home, name="home"),
    # Browsers ask for /favicon.ico whatever the page says; the file is a static one.
    path("favicon.ico", views.favicon, name="favicon"),
    # The installable app (issue 17): served from the root so the worker's scope is the whole site.
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notification_read, name="notifications_read_all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification_open"),
    path("notifications/settings/", notify_views.notification_settings, name="notification_settings"),
    path("dashboard/charts/<str:key>.xlsx", dashboard_views.chart_export, name="dashboard_chart_export"),
    path("dashboard/lists/<str:key>/", dashboard_views.drill_list, name="dashboard_list"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("customers/", include("customers.urls")),
    path("grading/", include("grading.urls")),
    path("visits/", include("visits.urls")),
    path("complaints/", include("complaints.urls")),
    path("blacklist/", include("blacklist.urls")),
    path("sales/", include("sales.urls")),
    path("api/", include("sales.api_urls")),
    path("engagement/", include("engagement.urls")),
    path("surveys/", include("surveys.urls")),
    path("reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
]
