from django.urls import path

from . import form_views, views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/approve/", views.report_approve, name="approve"),
    path("<int:pk>/return/", views.report_return, name="return"),
    path("<int:pk>/print/", views.report_print, name="print"),
    path("<int:pk>/pdf/", views.report_pdf, name="pdf"),
    path("plan/", views.plan, name="plan"),
    path("plan/edit/", views.plan_edit, name="plan_edit"),
    path("plan/targets/<int:pk>/customers/", views.plan_customers, name="plan_customers"),
    path("forms/evaluations/<int:pk>/", form_views.evaluation_print, name="evaluation_print"),
    path("forms/evaluations/<int:pk>/pdf/", form_views.evaluation_pdf, name="evaluation_pdf"),
    path("forms/visit-reports/<int:pk>/", form_views.visit_report_print, name="visit_report_print"),
    path("forms/visit-reports/<int:pk>/pdf/", form_views.visit_report_pdf, name="visit_report_pdf"),
    path("forms/complaints/<int:pk>/", form_views.ticket_print, name="ticket_print"),
    path("forms/complaints/<int:pk>/pdf/", form_views.ticket_pdf, name="ticket_pdf"),
    path("forms/statements/<int:pk>/pdf/", form_views.statement_pdf, name="statement_pdf"),
    path("forms/blacklist.pdf", form_views.blacklist_pdf, name="blacklist_pdf"),
]
