"""Agreements (§13): the approval total reached by the agreement that crosses it, 总经办 above the
second threshold, qualification documents before a new customer's large agreement, concurrency."""

import datetime as dt
from decimal import Decimal as D

import pytest

from crm.models import AuditLog, Notification
from sales.models import Agreement, AgreementState, Receivable
from sales.services import SalesError, agreement_approve, agreement_create, agreement_reject, agreement_submit

pytestmark = pytest.mark.django_db


def draft(actor, customer, number, amount, now, due=dt.date(2027, 1, 31)):
    return agreement_create(
        actor=actor,
        customer_id=customer.pk,
        number=number,
        amount=D(amount),
        signed_on=dt.date(2026, 11, 20),
        valid_from=dt.date(2026, 12, 1),
        valid_until=dt.date(2027, 11, 30),
        instalments=[(due, D(amount))],
        now=now,
    )


def submit(actor, customer, number, amount, now):
    return agreement_submit(agreement_id=draft(actor, customer, number, amount, now).pk, actor=actor, now=now)


def test_below_the_total_takes_effect_and_instalments_become_receivables(salesperson, customer, now):
    a = submit(salesperson, customer, "XS-1", "60000", now)
    assert a.state == AgreementState.EFFECTIVE
    r = Receivable.objects.get(instalment__agreement=a)
    assert (r.erp_number, r.amount, r.due_on) == ("XS-1/1", D("60000"), dt.date(2027, 1, 31))
    assert AuditLog.objects.filter(action="sales.agreement.submitted").count() == 1


def test_the_agreement_crossing_100000_and_every_later_one_need_approval(salesperson, manager, customer, now):
    assert submit(salesperson, customer, "XS-1", "60000", now).state == AgreementState.EFFECTIVE
    assert (
        submit(salesperson, customer, "XS-2", "39999.99", now).state == AgreementState.EFFECTIVE
    )  # 99,999.99
    crossing = submit(salesperson, customer, "XS-3", "0.01", now)  # exactly 100,000: reached
    assert crossing.state == AgreementState.PENDING_MANAGER
    assert Notification.objects.filter(recipient=manager, kind="sales_agreement_approval").count() == 1
    assert not Receivable.objects.filter(instalment__agreement=crossing).exists()
    agreement_approve(agreement_id=crossing.pk, approver=manager, now=now)
    crossing.refresh_from_db()
    assert crossing.state == AgreementState.EFFECTIVE
    assert Receivable.objects.filter(instalment__agreement=crossing).exists()
    assert submit(salesperson, customer, "XS-4", "100", now).state == AgreementState.PENDING_MANAGER


def test_above_the_second_threshold_goes_to_gm_office(
    salesperson, manager, gm_office, customer, now, documents_on_file
):
    documents_on_file(customer)
    a = submit(salesperson, customer, "XS-9", "1000000.01", now)
    assert a.state == AgreementState.PENDING_MANAGER and a.needs_gm
    with pytest.raises(SalesError, match="manager|经理"):
        agreement_approve(agreement_id=a.pk, approver=gm_office, now=now)
    agreement_approve(agreement_id=a.pk, approver=manager, comment="同意", now=now)
    a.refresh_from_db()
    assert a.state == AgreementState.PENDING_GM
    agreement_approve(agreement_id=a.pk, approver=gm_office, now=now)
    a.refresh_from_db()
    assert a.state == AgreementState.EFFECTIVE
    assert list(a.approvals.values_list("step", "approved")) == [("manager", True), ("gm", True)]


def test_exactly_the_second_threshold_needs_only_the_manager(
    salesperson, manager, customer, now, documents_on_file
):
    documents_on_file(customer)
    a = submit(salesperson, customer, "XS-9", "1000000", now)
    agreement_approve(agreement_id=a.pk, approver=manager, now=now)
    a.refresh_from_db()
    assert a.state == AgreementState.EFFECTIVE


def test_new_customer_above_the_amount_needs_documents_and_the_refusal_names_them(
    salesperson, customer, now, documents_on_file
):
    documents_on_file(customer, skip=("bank_permit",), expired=("financial_statements",))
    a = draft(salesperson, customer, "XS-5", "100000.01", now)
    with pytest.raises(SalesError) as exc:
        agreement_submit(agreement_id=a.pk, actor=salesperson, now=now)
    message = str(exc.value)
    assert "Bank account permit" in message or "银行开户许可证" in message
    assert "financial statements" in message or "近期财务报表" in message
    assert "Business licence" not in message and "营业执照" not in message
    a.refresh_from_db()
    assert a.state == AgreementState.DRAFT


def test_new_customer_at_the_amount_needs_no_documents(salesperson, customer, now):
    assert submit(salesperson, customer, "XS-5", "100000", now).state == AgreementState.PENDING_MANAGER


def test_rejection_needs_a_reason_and_tells_the_author(salesperson, manager, customer, now):
    a = submit(salesperson, customer, "XS-1", "100000", now)
    with pytest.raises(SalesError):
        agreement_reject(agreement_id=a.pk, approver=manager, comment=" ", now=now)
    agreement_reject(agreement_id=a.pk, approver=manager, comment="价格过低", now=now)
    a.refresh_from_db()
    assert a.state == AgreementState.REJECTED
    assert Notification.objects.get(recipient=salesperson, kind="sales_agreement_decision").body == "价格过低"


def test_a_second_decision_reads_already_decided(salesperson, manager, customer, now):
    a = submit(salesperson, customer, "XS-1", "100000", now)
    agreement_approve(agreement_id=a.pk, approver=manager, now=now)
    with pytest.raises(SalesError, match="already been decided|已"):
        agreement_reject(agreement_id=a.pk, approver=manager, comment="no", now=now)
    assert a.approvals.count() == 1


def test_other_department_manager_and_salesperson_may_not_decide(salesperson, south_manager, customer, now):
    a = submit(salesperson, customer, "XS-1", "100000", now)
    for user in (south_manager, salesperson):
        with pytest.raises(SalesError):
            agreement_approve(agreement_id=a.pk, approver=user, now=now)


def test_instalments_must_add_up_and_numbers_are_unique(salesperson, customer, now):
    with pytest.raises(SalesError):
        agreement_create(
            actor=salesperson,
            customer_id=customer.pk,
            number="X",
            amount=D(100),
            signed_on=dt.date(2026, 1, 1),
            valid_from=dt.date(2026, 1, 1),
            valid_until=dt.date(2026, 12, 31),
            instalments=[(dt.date(2026, 2, 1), D(99))],
            now=now,
        )
    draft(salesperson, customer, "XS-1", "10", now)
    with pytest.raises(SalesError):
        draft(salesperson, customer, "XS-1", "10", now)
    assert Agreement.objects.count() == 1


def test_another_salespersons_customer_is_not_found(salesperson, other_customer, now):
    with pytest.raises(SalesError):
        draft(salesperson, other_customer, "XS-1", "10", now)
