"""Concurrency with real concurrent transactions (PostgreSQL; skipped on SQLite, which has no row locks)."""

import os

import pytest

from blacklist import services as blacklist_services
from blacklist.models import BlacklistEntry, EntryState
from crm.models import AuditLog
from customers import services as customer_services
from customers.models import Customer
from grading.models import GradeProposal, ProposalState
from grading.services import GradingError, proposal_approve, proposal_create
from tests.factories import UserFactory

from .race import race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),
]


def _errors(results):
    return [r for r in results if isinstance(r, Exception)]


def test_two_managers_approving_one_proposal_make_one_decision_and_one_audit_row(
    salesperson, manager, customer
):
    deputy = UserFactory(username="manager2", role="manager", department=manager.department)
    proposal = proposal_create(actor=salesperson, customer_id=customer.pk, to_grade="B", reason="业务量增长")
    results = race(
        lambda: proposal_approve(proposal_id=proposal.pk, approver=manager, comment="同意"),
        lambda: proposal_approve(proposal_id=proposal.pk, approver=deputy, comment="同意"),
    )
    errors = _errors(results)
    assert len(errors) == 1 and isinstance(errors[0], GradingError), results
    assert "already been decided" in str(errors[0])
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.APPROVED
    assert (
        AuditLog.objects.filter(action="grading.proposal.approved", target_id=str(proposal.pk)).count() == 1
    )
    customer.refresh_from_db()
    assert customer.grade == "B"


def test_two_gm_office_users_approving_one_blacklist_entry_make_one_decision(
    manager, gm_office, customer, head_office
):
    colleague = UserFactory(username="gm2", role="gm_office", department=head_office)
    entry = blacklist_services.blacklist_entry_report(
        actor=manager,
        customer_id=customer.pk,
        reason_category="payment",
        reason="长期拖欠货款",
        loss_amount=100_000,
    )
    results = race(
        lambda: blacklist_services.blacklist_entry_approve(actor=gm_office, entry_id=entry.pk),
        lambda: blacklist_services.blacklist_entry_approve(actor=colleague, entry_id=entry.pk),
    )
    errors = _errors(results)
    assert len(errors) == 1 and isinstance(errors[0], blacklist_services.BlacklistError), results
    entry.refresh_from_db()
    assert entry.state == EntryState.ACTIVE
    assert AuditLog.objects.filter(action="blacklist.entry.approved", target_id=str(entry.pk)).count() == 1
    assert (
        AuditLog.objects.filter(
            action="customers.customer.status_changed", target_id=str(customer.pk)
        ).count()
        == 1
    )


def test_two_reports_of_one_customer_at_once_give_one_entry(manager, salesperson, customer):
    deputy = UserFactory(username="manager2", role="manager", department=manager.department)
    results = race(
        *[
            (
                lambda u=u: blacklist_services.blacklist_entry_report(
                    actor=u, customer_id=customer.pk, reason_category="payment", reason="拖欠", loss_amount=1
                )
            )
            for u in (manager, deputy)
        ]
    )
    assert len(_errors(results)) == 1, results
    assert BlacklistEntry.objects.filter(customer=customer).count() == 1


def test_two_proposals_for_one_customer_at_once_give_one_and_tell_the_other(salesperson, manager, customer):
    results = race(
        lambda: proposal_create(actor=salesperson, customer_id=customer.pk, to_grade="B", reason="增长"),
        lambda: proposal_create(actor=manager, customer_id=customer.pk, to_grade="D", reason="萎缩"),
    )
    errors = _errors(results)
    assert len(errors) == 1 and isinstance(errors[0], GradingError), results
    assert "open grade-change proposal" in str(errors[0])
    assert GradeProposal.objects.filter(customer=customer).count() == 1
    assert AuditLog.objects.filter(action="grading.proposal.created").count() == 1


def test_two_people_saving_the_same_customer_from_stale_forms(salesperson, assistant, customer):
    version = customer.version
    results = race(
        lambda: customer_services.customer_update(
            actor=salesperson,
            customer_id=customer.pk,
            data={"phone": "021-11111111"},
            expected_version=version,
        ),
        lambda: customer_services.customer_update(
            actor=assistant,
            customer_id=customer.pk,
            data={"address": "上海市浦东新区"},
            expected_version=version,
        ),
    )
    errors = _errors(results)
    assert len(errors) == 1 and isinstance(errors[0], customer_services.CustomerError), results
    assert "changed by someone else" in str(errors[0])
    customer.refresh_from_db()
    assert customer.version == version + 1
    # Exactly one of the two changes landed; the other was not silently mixed in.
    assert (customer.phone == "021-11111111") != (customer.address == "上海市浦东新区")


def test_an_import_confirm_racing_an_edit_never_overwrites_it(
    assistant, salesperson, customer, settings, tmp_path
):
    """The confirm locks the previewed customers: an edit either lands first (and the confirm
    reports it) or waits for the import (and then its stale form is refused)."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    from customers import imports

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    wb = Workbook()
    wb.active.append(["客户名称", "统一社会信用代码", "电话", "负责业务员"])
    wb.active.append([customer.name, customer.credit_code, "021-99999999", salesperson.username])
    buf = io.BytesIO()
    wb.save(buf)
    staged = imports.import_stage(
        actor=assistant, kind="customers", file=SimpleUploadedFile("a.xlsx", buf.getvalue())
    )
    assert staged.report.ok and staged.report.updated == 1
    version = customer.version
    results = race(
        lambda: imports.import_commit(actor=assistant, job_id=staged.job.pk),
        lambda: customer_services.customer_update(
            actor=salesperson,
            customer_id=customer.pk,
            data={"phone": "021-22222222"},
            expected_version=version,
        ),
    )
    assert len(_errors(results)) == 1, results
    customer = Customer.objects.get(pk=customer.pk)
    assert customer.phone in ("021-99999999", "021-22222222")
    assert customer.version == version + 1


def test_a_connection_killed_by_the_server_mid_approval_rolls_everything_back(
    salesperson, manager, customer, monkeypatch
):
    """pg_terminate_backend from another session, between the approval's writes and its audit
    entry: the server rolls the transaction back; nothing of the approval remains."""
    import psycopg
    from django.db import InterfaceError, OperationalError, connection

    from grading.models import GradeChange
    from grading.services import proposals as proposals_module

    proposal = proposal_create(actor=salesperson, customer_id=customer.pk, to_grade="B", reason="增长")
    audits = AuditLog.objects.count()
    real_audit = proposals_module.audit_record
    s = connection.settings_dict

    def killed_then_audit(**kwargs):
        pid = connection.connection.info.backend_pid
        with psycopg.connect(
            dbname=s["NAME"],
            user=s["USER"] or None,
            password=s["PASSWORD"] or None,
            host=s["HOST"] or None,
            port=s["PORT"] or None,
            autocommit=True,
        ) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [pid])
        return real_audit(**kwargs)

    monkeypatch.setattr(proposals_module, "audit_record", killed_then_audit)
    with pytest.raises((OperationalError, InterfaceError)):
        proposal_approve(proposal_id=proposal.pk, approver=manager, comment="同意")
    connection.close()  # the next query opens a fresh connection
    proposal.refresh_from_db()
    assert proposal.state != ProposalState.APPROVED
    assert not GradeChange.objects.filter(customer=customer).exists()
    assert Customer.objects.get(pk=customer.pk).grade == "C"
    assert AuditLog.objects.count() == audits
