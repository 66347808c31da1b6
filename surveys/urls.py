from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("rounds/", views.round_list, name="rounds"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("customers/<int:customer_pk>/record/", views.response_record, name="record"),
    path("s/<str:token>/", views.public_answer, name="answer"),
]
