import pytest
from django.utils import timezone

from complaints import demo
from complaints.models import Status, Ticket
from crm.models import Notification

pytestmark = pytest.mark.django_db


def test_demo_has_every_state_an_overdue_and_a_major_ticket_and_is_idempotent():
    from customers import demo as customers_demo

    now = timezone.now()
    customers_demo.seed(now=now, count=40)
    result = demo.seed(now=now)
    assert "tickets" in result
    assert set(Ticket.objects.values_list("status", flat=True)) == set(Status.values)
    assert Ticket.objects.filter(is_major=True).exists()
    assert Ticket.objects.filter(overdue_escalated_at__isnull=False).exists()
    assert Notification.objects.filter(kind="complaint_overdue").exists()
    count = Ticket.objects.count()
    demo.seed(now=now)
    assert Ticket.objects.count() == count
