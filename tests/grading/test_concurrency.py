"""Two managers approving one proposal at the same moment: one decision, the other told so.

Runs on PostgreSQL only (SQLite has no row locks): each thread has its own connection.
"""

import os
import threading

import pytest
from django.db import close_old_connections, connection, transaction
from django.utils import translation

from grading.models import GradeChange, GradeProposal, ProposalApproval, ProposalState
from grading.services import GradingError, proposal_approve, proposal_create
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
    proposal = proposal_create(actor=salesperson, customer_id=customer.pk, to_grade="B", reason="增长")
    results = {}
    start = threading.Barrier(3)

    def approve(user):
        translation.activate("en")
        try:
            start.wait()
            proposal_approve(proposal_id=proposal.pk, approver=user, comment=user.username)
            results[user.username] = "approved"
        except GradingError as exc:
            results[user.username] = str(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=approve, args=(u,)) for u in (manager, deputy)]
    # Hold the row so that both threads queue on the lock, then let them race.
    with transaction.atomic():
        GradeProposal.objects.select_for_update().get(pk=proposal.pk)
        for t in threads:
            t.start()
        start.wait()
    for t in threads:
        t.join(10)

    assert sorted(results.values()) == ["This proposal has already been decided.", "approved"], results
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.APPROVED
    assert ProposalApproval.objects.filter(proposal=proposal).count() == 1
    assert GradeChange.objects.filter(customer=customer).count() == 1
