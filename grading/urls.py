from django.urls import path

from . import views

app_name = "grading"

urlpatterns = [
    path("review/", views.review, name="review"),
    path("review/start/", views.round_start, name="round_start"),
    path("customers/<int:pk>/evaluate/", views.evaluation_create, name="evaluate"),
    path("customers/<int:pk>/propose/", views.proposal_create, name="propose"),
    path("customers/<int:pk>/incidents/new/", views.incident_create, name="incident_add"),
    path("customers/<int:pk>/provisional/", views.provisional_assign, name="provisional"),
    path("evaluations/<int:pk>/", views.evaluation_detail, name="evaluation"),
    path("proposals/<int:pk>/withdraw/", views.proposal_withdraw, name="proposal_withdraw"),
    path("incidents/<int:pk>/evidence/", views.incident_evidence, name="incident_evidence"),
]
