from django.urls import path

from . import views

app_name = "blacklist"

urlpatterns = [
    path("report/", views.report, name="report"),
    path("report/export/", views.report_export, name="report_export"),
    path("report/print/", views.report_print, name="report_print"),
    path("customers/<int:customer_pk>/report/", views.entry_create, name="entry_create"),
    path("entries/<int:pk>/", views.entry_detail, name="entry_detail"),
    path("entries/<int:pk>/submit/", views.entry_submit, name="entry_submit"),
    path("entries/<int:pk>/approve/", views.entry_approve, name="entry_approve"),
    path("entries/<int:pk>/reject/", views.entry_reject, name="entry_reject"),
    path("entries/<int:pk>/readmission/", views.readmission_create, name="readmission_create"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("readmissions/<int:pk>/approve/", views.readmission_approve, name="readmission_approve"),
    path("readmissions/<int:pk>/reject/", views.readmission_reject, name="readmission_reject"),
]
