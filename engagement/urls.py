from django.urls import path

from . import views

app_name = "engagement"

urlpatterns = [
    path("contacts/new/", views.contact_create, name="contact_create"),
    path("cadence/", views.cadence, name="cadence"),
    path("key-accounts/unassigned/", views.key_accounts_unassigned, name="key_accounts_unassigned"),
    path("customers/<int:customer_pk>/tier/", views.tier_set, name="tier_set"),
    path(
        "customers/<int:customer_pk>/account-manager/", views.account_manager_set, name="account_manager_set"
    ),
    path("greetings/", views.greetings, name="greetings"),
    path("greetings/sent/", views.greeting_sent, name="greeting_sent"),
    path("meetings/", views.meetings, name="meetings"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
]
