from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from . import views
from .dashboards import views as dashboard_views

admin.site.site_header = _("Customer management system")
admin.site.site_title = _("Customer management system")

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notification_read, name="notifications_read_all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("dashboard/charts/<str:key>.xlsx", dashboard_views.chart_export, name="dashboard_chart_export"),
    path("dashboard/lists/<str:key>/", dashboard_views.drill_list, name="dashboard_list"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("customers/", include("customers.urls")),
    path("grading/", include("grading.urls")),
    path("visits/", include("visits.urls")),
    path("complaints/", include("complaints.urls")),
    path("blacklist/", include("blacklist.urls")),
    path("surveys/", include("surveys.urls")),
    path("reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
]
