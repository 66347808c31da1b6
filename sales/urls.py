from django.urls import path

from . import views

app_name = "sales"

urlpatterns = [
    path("customers/<int:pk>/agreements/new/", views.agreement_create, name="agreement_create"),
    path("customers/<int:pk>/statement/", views.statement, name="statement"),
    path("customers/<int:pk>/statement.xlsx", views.statement_export, name="statement_export"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/submit/", views.agreement_submit, name="agreement_submit"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("import/", views.erp_import, name="import"),
    path("import/<int:pk>/confirm/", views.erp_import_confirm, name="import_confirm"),
    path("unmatched/", views.unmatched_list, name="unmatched"),
    path("unmatched/<int:pk>/apply/", views.unmatched_resolve, name="unmatched_resolve"),
]
