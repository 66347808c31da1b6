from datetime import timedelta

import pytest
from django.urls import reverse

from visits import services
from visits.models import PlanStatus, VisitMode, VisitPolicy

from .conftest import NOW, TODAY

pytestmark = pytest.mark.django_db


def test_administrator_edits_the_cadence_policy(client_for, administrator):
    policy = VisitPolicy.load()
    url = reverse("admin:visits_visitpolicy_change", args=[policy.pk])
    response = client_for(administrator).post(
        url,
        {
            "grade_a_days": 45,
            "grade_b_days": 60,
            "grade_c_days": 365,
            "grade_d_days": "",
            "checkin_max_distance_m": 1000,
        },
    )
    assert response.status_code == 302
    assert VisitPolicy.load().intervals() == {"A": 45, "B": 60, "C": 365}


def test_admin_lists_are_scoped_to_the_department(
    client_for, manager, salesperson, south_salesperson, customer, south_customer, frozen
):
    services.visit_report_create(
        author=salesperson, customer_id=customer.pk, data={"visited_on": TODAY, "mode": VisitMode.PHONE}
    )
    services.visit_report_create(
        author=south_salesperson,
        customer_id=south_customer.pk,
        data={"visited_on": TODAY, "mode": VisitMode.PHONE},
    )
    body = client_for(manager).get(reverse("admin:visits_visitreport_changelist")).content.decode()
    assert customer.name in body and south_customer.name not in body


def test_admin_confirm_action_uses_the_service(client_for, manager, salesperson, customer, frozen):
    plan = services.visit_plan_create(
        actor=salesperson,
        customer_id=customer.pk,
        data={"purpose": "回顾", "planned_at": NOW + timedelta(days=1)},
    )
    response = client_for(manager).post(
        reverse("admin:visits_visitplan_changelist"),
        {"action": "confirm_plans", "_selected_action": [plan.pk]},
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CONFIRMED
