from django.urls import path

from . import views

app_name = "complaints"

urlpatterns = [
    path("", views.ticket_list, name="list"),
    path("new/", views.ticket_create, name="create"),
    path("export/", views.ticket_export, name="export"),
    path("measures/", views.measures, name="measures"),
    path("<int:pk>/", views.ticket_detail, name="detail"),
    path("<int:pk>/assign/", views.ticket_assign, name="assign"),
    path("<int:pk>/resolve/", views.ticket_resolve, name="resolve"),
    path("<int:pk>/return-visit/", views.ticket_return_visit, name="return_visit"),
    path("<int:pk>/close/", views.ticket_close, name="close"),
    path("<int:pk>/escalate/", views.ticket_escalate, name="escalate"),
    path("<int:pk>/feedback/", views.feedback_add, name="feedback"),
    path("<int:pk>/attachments/", views.attachment_add, name="attachment_add"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
]
