from django.urls import path

from . import phone_views, views

app_name = "visits"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("team/", views.team, name="team"),
    path("export/", views.export, name="export"),
    path("pick/", views.pick_customer, name="pick_customer"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/confirm/", views.plan_confirm, name="plan_confirm"),
    path("plans/<int:pk>/cancel/", views.plan_cancel, name="plan_cancel"),
    path("reports/new/", views.report_create, name="report_create"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("steps/<int:pk>/done/", views.next_step_done, name="next_step_done"),
    path("calendar/", phone_views.calendar, name="calendar"),
    path("plans/", phone_views.plans_upcoming, name="plans_upcoming"),
    path("calendar/subscribe/", phone_views.feed_settings, name="feed_settings"),
    path("calendar/feed/<str:token>.ics", phone_views.feed, name="feed"),
    path("nearby/", phone_views.nearby, name="nearby"),
    path("locations/<int:customer_id>/", phone_views.location_set, name="location_set"),
    path("locations/<int:customer_id>/confirm/", phone_views.location_confirm, name="location_confirm"),
]
