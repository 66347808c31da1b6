from django.urls import path

from . import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("import/", views.import_upload, name="import"),
    path("import/confirm/", views.import_confirm, name="import_confirm"),
    path("import/<uuid:pk>/", views.import_job, name="import_job"),
    path("import/<uuid:pk>/progress/", views.import_job_progress, name="import_job_progress"),
    path("export/", views.export, name="export"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/status/", views.customer_status, name="status"),
    path("<int:pk>/confirm/", views.customer_confirm, name="confirm"),
    path("<int:pk>/reassign/", views.customer_reassign, name="reassign"),
    path("<int:pk>/profile/", views.profile_edit, name="profile_edit"),
    path("<int:pk>/contacts/new/", views.contact_edit, name="contact_add"),
    path("<int:pk>/contacts/<int:contact_id>/edit/", views.contact_edit, name="contact_edit"),
    path("<int:pk>/contacts/<int:contact_id>/delete/", views.contact_delete, name="contact_delete"),
    path("<int:pk>/figures/new/", views.figure_edit, name="figure_add"),
    path("<int:pk>/figures/<int:year>/edit/", views.figure_edit, name="figure_edit"),
    path("<int:pk>/documents/new/", views.document_upload, name="document_upload"),
    path("<int:pk>/documents/<int:document_id>/", views.document_download, name="document_download"),
    path("<int:pk>/documents/<int:document_id>/delete/", views.document_delete, name="document_delete"),
]
