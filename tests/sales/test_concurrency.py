"""Two managers deciding one agreement at the same moment: one decision, the other told so.

Runs on PostgreSQL only (SQLite has no row locks): each thread has its own connection.
"""

import datetime as dt
import os
import threading
from decimal import Decimal as D

import pytest
from django.db import close_old_connections, connection, transaction
from django.utils import timezone, translation

from sales.models import Agreement, AgreementApproval, AgreementState, Receivable
from sales.services import SalesError, agreement_approve, agreement_create, agreement_submit
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),
]


def test_two_managers_approving_at_once_make_one_decision(salesperson, manager, customer):
    deputy = UserFactory(username="manager2", role="manager", department=manager.department)
    now = timezone.now()
    a = agreement_create(
        actor=salesperson,
        customer_id=customer.pk,
        number="XS-1",
        amount=D(100000),
        signed_on=dt.date(2026, 11, 1),
        valid_from=dt.date(2026, 11, 1),
        valid_until=dt.date(2027, 10, 31),
        instalments=[(dt.date(2027, 1, 1), D(100000))],
        now=now,
    )
    agreement_submit(agreement_id=a.pk, actor=salesperson, now=now)
    results = {}
    start = threading.Barrier(3)

    def approve(user):
        translation.activate("en")
        try:
            start.wait()
            agreement_approve(agreement_id=a.pk, approver=user, comment=user.username, now=timezone.now())
            results[user.username] = "approved"
        except SalesError as exc:
            results[user.username] = str(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=approve, args=(u,)) for u in (manager, deputy)]
    with transaction.atomic():
        Agreement.objects.select_for_update().get(pk=a.pk)
        for t in threads:
            t.start()
        start.wait()
    for t in threads:
        t.join(10)

    assert sorted(results.values()) == ["This agreement has already been decided.", "approved"], results
    a.refresh_from_db()
    assert a.state == AgreementState.EFFECTIVE
    assert AgreementApproval.objects.filter(agreement=a).count() == 1
    assert Receivable.objects.filter(instalment__agreement=a).count() == 1
