import pytest
from django.urls import reverse

from complaints.models import Status, Ticket

pytestmark = pytest.mark.django_db


def test_admin_lists_only_the_managers_department_and_is_read_only(
    open_ticket, salesperson, south_salesperson, manager, customer, south_customer, client_for
):
    mine = open_ticket(salesperson, customer)
    other = open_ticket(south_salesperson, south_customer)
    client = client_for(manager)
    response = client.get(reverse("admin:complaints_ticket_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert mine.number in html and other.number not in html
    assert client.get(reverse("admin:complaints_ticket_change", args=[other.pk])).status_code in (302, 404)
    assert client.get(reverse("admin:complaints_ticket_add")).status_code == 403
    # A POST to the change page cannot move the status.
    client.post(reverse("admin:complaints_ticket_change", args=[mine.pk]), {"status": Status.CLOSED})
    mine.refresh_from_db()
    assert mine.status == Status.RECEIVED


def test_admin_escalate_action_calls_the_service(
    open_ticket, salesperson, manager, gm_office, customer, client_for
):
    ticket = open_ticket(salesperson, customer)
    response = client_for(manager).post(
        reverse("admin:complaints_ticket_changelist"),
        {"action": "escalate_selected", "_selected_action": [ticket.pk]},
        follow=True,
    )
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.is_major and gm_office.notifications.filter(kind="complaint_major").exists()


def test_salesperson_has_no_admin(salesperson, client_for):
    response = client_for(salesperson).get(reverse("admin:complaints_ticket_changelist"))
    assert response.status_code == 302


def test_administrator_edits_the_policy(administrator, client_for):
    from complaints.models import ComplaintPolicy

    ComplaintPolicy.load()
    client = client_for(administrator)
    response = client.get(reverse("admin:complaints_complaintpolicy_change", args=[1]))
    assert response.status_code == 200
    assert Ticket.objects.count() == 0
