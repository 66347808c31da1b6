from datetime import date

import pytest
import time_machine
from django.db import IntegrityError, transaction

from blacklist import services
from blacklist.models import BlacklistEntry, BlacklistPolicy, EntryState, ReadmissionState
from blacklist.services import BlacklistError
from crm.jobs import run_job
from crm.models import AuditLog, Notification
from customers import services as customer_services
from customers.models import Customer, CustomerStatus
from customers.services import CustomerError
from grading.models import GradeChange
from tests.factories import CustomerFactory

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in the source language (the UI default is Chinese)."""
    from django.utils import translation

    with translation.override("en"):
        yield


# --- Reporting ---------------------------------------------------------------------------------


def test_manager_reports_a_department_customer_and_gm_office_is_told(
    customer, manager, gm_office, report_entry
):
    entry = report_entry(customer, reason="拒不付款", loss=250_000)
    assert entry.state == EntryState.REPORTED
    assert entry.reported_by == manager and entry.department == customer.department
    assert not entry.awaiting_manager
    assert (
        Notification.objects.filter(
            recipient=gm_office, kind="blacklist_reported", url__endswith=f"/{entry.pk}/"
        ).count()
        == 1
    )
    assert AuditLog.objects.filter(action="blacklist.entry.reported", target_id=str(entry.pk)).exists()


def test_manager_cannot_report_another_departments_customer(south_customer, report_entry):
    with pytest.raises(BlacklistError):
        report_entry(south_customer)
    assert not BlacklistEntry.objects.exists()


def test_salesperson_proposes_through_the_manager(customer, salesperson, manager, gm_office, report_entry):
    entry = report_entry(customer, actor=salesperson)
    assert entry.awaiting_manager and entry.proposed_by == salesperson
    assert Notification.objects.filter(recipient=manager, kind="blacklist_proposed").count() == 1
    assert not Notification.objects.filter(recipient=gm_office).exists()
    with pytest.raises(BlacklistError, match="not submitted"):
        services.blacklist_entry_approve(actor=gm_office, entry_id=entry.pk)

    services.blacklist_entry_submit(actor=manager, entry_id=entry.pk)
    entry.refresh_from_db()
    assert entry.reported_by == manager and not entry.awaiting_manager
    assert Notification.objects.filter(recipient=gm_office, kind="blacklist_reported").count() == 1
    with pytest.raises(BlacklistError):
        services.blacklist_entry_submit(actor=manager, entry_id=entry.pk)


def test_salesperson_may_only_propose_own_customers(other_customer, salesperson, report_entry):
    with pytest.raises(BlacklistError):
        report_entry(other_customer, actor=salesperson)


def test_manager_rejects_a_proposal(customer, salesperson, manager, report_entry):
    entry = report_entry(customer, actor=salesperson)
    services.blacklist_entry_reject(actor=manager, entry_id=entry.pk, comment="证据不足")
    entry.refresh_from_db()
    assert entry.state == EntryState.REJECTED and entry.decision_comment == "证据不足"


def test_second_report_for_the_same_customer_is_refused(customer, report_entry):
    report_entry(customer)
    with pytest.raises(BlacklistError, match="awaits verification"):
        report_entry(customer)


def test_evidence_of_a_forbidden_type_refuses_the_whole_report(customer, report_entry, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    good = SimpleUploadedFile("合同.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")
    bad = SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(BlacklistError, match="invoice.pdf"):
        report_entry(customer, evidence=[good, bad])
    assert not BlacklistEntry.objects.exists()

    good.seek(0)
    entry = report_entry(customer, evidence=[good])
    assert [e.original_name for e in entry.evidence.all()] == ["合同.pdf"]


# --- The state machine -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "state,to,allowed",
    [
        ("reported", "active", True),
        ("reported", "rejected", True),
        ("reported", "expired", False),
        ("reported", "readmitted", False),
        ("active", "expired", True),
        ("active", "rejected", False),
        ("active", "readmitted", False),
        ("expired", "readmitted", True),
        ("expired", "active", False),
        ("rejected", "active", False),
        ("readmitted", "active", False),
        ("readmitted", "expired", False),
    ],
)
def test_transitions(state, to, allowed):
    entry = BlacklistEntry(state=state)
    if allowed:
        services.ensure_transition(entry, to)
    else:
        with pytest.raises(BlacklistError):
            services.ensure_transition(entry, to)


def test_illegal_transitions_are_refused_by_the_services(
    customer, other_customer, gm_office, report_entry, active_entry
):
    rejected = report_entry(customer)
    services.blacklist_entry_reject(actor=gm_office, entry_id=rejected.pk, comment="不成立")
    with pytest.raises(BlacklistError, match="cannot become"):
        services.blacklist_entry_approve(actor=gm_office, entry_id=rejected.pk)

    active = active_entry(other_customer)
    with pytest.raises(BlacklistError, match="cannot become"):
        services.blacklist_entry_reject(actor=gm_office, entry_id=active.pk, comment="x")
    with pytest.raises(BlacklistError, match="cannot become"):
        services.blacklist_entry_approve(actor=gm_office, entry_id=active.pk)


def test_only_gm_office_approves(customer, manager, report_entry):
    entry = report_entry(customer)
    with pytest.raises(BlacklistError, match="Only 总经办"):
        services.blacklist_entry_approve(actor=manager, entry_id=entry.pk)


def test_reject_needs_a_comment(customer, gm_office, report_entry):
    entry = report_entry(customer)
    with pytest.raises(BlacklistError):
        services.blacklist_entry_reject(actor=gm_office, entry_id=entry.pk, comment="  ")


# --- Approval and the validity period ------------------------------------------------------------


def test_approval_marks_the_customer_and_sets_it_inactive(customer, gm_office, manager, report_entry):
    entry = report_entry(customer)
    with time_machine.travel(at(2026, 3, 10), tick=False):
        services.blacklist_entry_approve(actor=gm_office, entry_id=entry.pk, comment="核实属实")
    entry.refresh_from_db()
    customer.refresh_from_db()
    assert entry.state == EntryState.ACTIVE
    assert (entry.starts_on, entry.ends_on) == (date(2026, 3, 10), date(2026, 9, 10))
    assert customer.is_blacklisted and customer.blacklisted_until == date(2026, 9, 10)
    assert customer.status == CustomerStatus.INACTIVE
    assert Notification.objects.filter(recipient=manager, kind="blacklist_decided").count() == 1


@pytest.mark.parametrize(
    "approved_on,ends_on",
    [
        (at(2025, 8, 31), date(2026, 2, 28)),  # 31 Aug + 6 months: end of February
        (at(2027, 8, 31), date(2028, 2, 29)),  # a leap year
        (at(2027, 8, 29), date(2028, 2, 29)),
        (at(2028, 2, 29), date(2028, 8, 29)),  # 29 Feb itself
        (at(2026, 1, 15, 23), date(2026, 7, 15)),  # late evening in Shanghai is still that day
    ],
)
def test_default_validity_is_six_calendar_months(customer, gm_office, report_entry, approved_on, ends_on):
    entry = report_entry(customer)
    with time_machine.travel(approved_on, tick=False):
        services.blacklist_entry_approve(actor=gm_office, entry_id=entry.pk)
    entry.refresh_from_db()
    assert entry.ends_on == ends_on


def test_gm_office_may_set_a_shorter_period(customer, gm_office, report_entry):
    entry = report_entry(customer)
    with time_machine.travel(at(2025, 8, 31), tick=False):
        services.blacklist_entry_approve(actor=gm_office, entry_id=entry.pk, ends_on=date(2025, 11, 30))
    entry.refresh_from_db()
    assert entry.ends_on == date(2025, 11, 30)


def test_a_longer_period_is_refused(customer, gm_office, report_entry):
    entry = report_entry(customer)
    with time_machine.travel(at(2025, 8, 31), tick=False), pytest.raises(BlacklistError, match="2026-02-28"):
        services.blacklist_entry_approve(actor=gm_office, entry_id=entry.pk, ends_on=date(2026, 3, 1))
    entry.refresh_from_db()
    assert entry.state == EntryState.REPORTED


def test_the_policy_may_shorten_the_default(customer, gm_office, report_entry):
    policy = BlacklistPolicy.load()
    policy.validity_months = 3
    policy.save()
    entry = report_entry(customer)
    with time_machine.travel(at(2025, 11, 30), tick=False):
        services.blacklist_entry_approve(actor=gm_office, entry_id=entry.pk)
    entry.refresh_from_db()
    assert entry.ends_on == date(2026, 2, 28)


@pytest.mark.parametrize(
    "starts_on,ends_on,ok",
    [
        (date(2025, 8, 31), date(2026, 2, 28), True),
        (date(2025, 8, 31), date(2026, 3, 1), False),
        (date(2027, 8, 31), date(2028, 2, 29), True),
        (date(2026, 1, 15), date(2026, 7, 15), True),
        (date(2026, 1, 15), date(2026, 7, 16), False),
        (date(2026, 1, 15), date(2027, 1, 14), False),
        (date(2026, 1, 15), date(2026, 1, 15), False),  # must end after it starts
    ],
)
def test_database_keeps_the_six_month_limit(customer, active_entry, starts_on, ends_on, ok):
    entry = active_entry(customer)
    update = BlacklistEntry.objects.filter(pk=entry.pk)
    if ok:
        assert update.update(starts_on=starts_on, ends_on=ends_on) == 1
    else:
        with pytest.raises(IntegrityError), transaction.atomic():
            update.update(starts_on=starts_on, ends_on=ends_on)


def test_database_allows_one_active_entry_per_customer(customer, active_entry, manager):
    first = active_entry(customer)
    clone = BlacklistEntry(
        customer=customer,
        department=first.department,
        reason_category="other",
        reason="x",
        state="active",
        starts_on=first.starts_on,
        ends_on=first.ends_on,
        decided_at=first.decided_at,
        reported_by=manager,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()


def test_an_already_blacklisted_customer_cannot_be_reported_again(customer, active_entry, report_entry):
    active_entry(customer)
    with pytest.raises(BlacklistError, match="already on the blacklist"):
        report_entry(customer)


# --- Admission check (customers services read the mark) ----------------------------------------


def test_admission_refused_on_create_by_credit_code_and_by_name(customer, salesperson, active_entry):
    entry = active_entry(customer)
    with pytest.raises(CustomerError, match=str(entry.ends_on)):
        customer_services.customer_create(
            actor=salesperson, data={"name": "另一个名字有限公司", "credit_code": customer.credit_code}
        )
    with pytest.raises(CustomerError, match=customer.name):
        customer_services.customer_create(actor=salesperson, data={"name": f" {customer.name} "})
    assert Customer.objects.count() == 1


def test_admission_refused_on_reactivation(customer, manager, active_entry):
    active_entry(customer)
    with pytest.raises(CustomerError, match="blacklist"):
        customer_services.customer_change_status(
            actor=manager, customer_id=customer.pk, status=CustomerStatus.ACTIVE
        )
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.INACTIVE


def test_admission_refused_on_import(customer, south, active_entry):
    """An assistant of another department (who cannot see the customer) imports it as new."""
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import load_workbook

    from crm.models import Role
    from customers import imports
    from tests.factories import UserFactory

    importer = UserFactory(username="assistant_s", role=Role.ASSISTANT, department=south)
    UserFactory(username="sales_s2", role=Role.SALESPERSON, department=south)
    entry = active_entry(customer)
    template = imports.export_xlsx(
        actor=importer, kind="customers", customers=Customer.objects.none(), template=True
    )
    wb = load_workbook(BytesIO(template))
    ws = wb.active
    headers = [c.value for c in ws[1]]
    row = [""] * len(headers)
    row[headers.index("客户名称")] = customer.name
    ws.append(row)
    out = BytesIO()
    wb.save(out)
    staged = imports.import_stage(
        actor=importer, kind="customers", file=SimpleUploadedFile("import.xlsx", out.getvalue())
    )
    messages = " ".join(str(m) for r in staged.report.bad_rows for _col, m in r.errors)
    assert not staged.report.ok
    # Issue 14.2: the blacklist is named; its end date only for those who may see the customer.
    assert "Admission refused" in messages and "blacklist" in messages and str(entry.ends_on) not in messages
    assert Customer.objects.count() == 1


# --- Expiry (the scheduled job) -------------------------------------------------------------------


def test_expiry_is_idempotent_and_notifies_once(
    customer, other_customer, south_customer, gm_office, manager, south_manager, active_entry
):
    with time_machine.travel(at(2026, 1, 10), tick=False):
        ending = active_entry(customer, ends_on=date(2026, 3, 1))
        later = active_entry(other_customer)  # ends 2026-07-10
    with time_machine.travel(at(2026, 3, 1), tick=False):
        assert services.blacklist_entry_expire()["expired"] == 0  # still valid on its end date

    with time_machine.travel(at(2026, 3, 4, 0), tick=False):  # two days late
        first = run_job("blacklist-expiry")
        second = run_job("blacklist-expiry")
    assert first["expired"] == 1 and second["expired"] == 0
    assert second["notifications"] == 0
    ending.refresh_from_db()
    later.refresh_from_db()
    assert ending.state == EntryState.EXPIRED and later.state == EntryState.ACTIVE
    assert Notification.objects.filter(kind="blacklist_expired", recipient=gm_office).count() == 1
    assert Notification.objects.filter(kind="blacklist_expired", recipient=manager).count() == 1
    assert not Notification.objects.filter(kind="blacklist_expired", recipient=south_manager).exists()
    assert AuditLog.objects.filter(action="blacklist.entry.expired", target_id=str(ending.pk)).count() == 1

    customer.refresh_from_db()
    assert not customer.is_blacklisted and customer.blacklisted_until is None
    assert customer.readmission_required and customer.status == CustomerStatus.INACTIVE
    with pytest.raises(CustomerError, match="re-admission"):
        customer_services.customer_change_status(
            actor=manager, customer_id=customer.pk, status=CustomerStatus.ACTIVE
        )


def test_expiry_is_set_based(customer, gm_office, manager, active_entry, django_assert_max_num_queries):
    with time_machine.travel(at(2026, 1, 10), tick=False):
        for _ in range(5):
            active_entry(CustomerFactory(owner=customer.owner))
    with time_machine.travel(at(2026, 9, 1), tick=False), django_assert_max_num_queries(12):
        result = services.blacklist_entry_expire()
    assert result["expired"] == 5


# --- Re-admission --------------------------------------------------------------------------------

CONDITIONS = dict.fromkeys(services.EVALUATION_CONDITIONS, True)


@pytest.fixture
def expired_entry(customer, active_entry):
    with time_machine.travel(at(2026, 1, 10), tick=False):
        entry = active_entry(customer)
    with time_machine.travel(at(2026, 7, 11), tick=False):
        services.blacklist_entry_expire()
    entry.refresh_from_db()
    assert entry.state == EntryState.EXPIRED
    return entry


def test_readmission_needs_every_condition(expired_entry, salesperson):
    with pytest.raises(BlacklistError, match="admission condition"):
        services.blacklist_readmission_request(
            actor=salesperson,
            entry_id=expired_entry.pk,
            evaluation="ok",
            conditions={**CONDITIONS, "debts_settled": False},
        )


def test_readmission_only_after_expiry(customer, salesperson, active_entry):
    entry = active_entry(customer)
    with pytest.raises(BlacklistError, match="expired"):
        services.blacklist_readmission_request(
            actor=salesperson, entry_id=entry.pk, evaluation="ok", conditions=CONDITIONS
        )


@pytest.mark.parametrize("first", ["gm", "manager"])
def test_readmission_needs_both_approvals_in_either_order(
    expired_entry, customer, salesperson, manager, gm_office, first
):
    req = services.blacklist_readmission_request(
        actor=salesperson,
        entry_id=expired_entry.pk,
        evaluation="欠款已结清",
        conditions=CONDITIONS,
    )
    approvers = [gm_office, manager] if first == "gm" else [manager, gm_office]
    with time_machine.travel(at(2026, 8, 1), tick=False):
        req = services.blacklist_readmission_approve(actor=approvers[0], request_id=req.pk)
    assert req.state == ReadmissionState.PENDING
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.INACTIVE and customer.readmission_required
    with pytest.raises(BlacklistError, match="already approved"):
        services.blacklist_readmission_approve(actor=approvers[0], request_id=req.pk)

    with time_machine.travel(at(2026, 8, 2), tick=False):
        req = services.blacklist_readmission_approve(actor=approvers[1], request_id=req.pk)
    assert req.state == ReadmissionState.APPROVED
    expired_entry.refresh_from_db()
    customer.refresh_from_db()
    assert expired_entry.state == EntryState.READMITTED
    assert customer.status == CustomerStatus.ACTIVE and customer.grade == "C"
    assert not customer.readmission_required and not customer.is_blacklisted
    change = GradeChange.objects.get(customer=customer)
    assert change.to_grade == "C"
    assert manager.display_name in change.approvers and gm_office.display_name in change.approvers


def test_readmission_approvers_are_gm_office_and_the_departments_manager(
    expired_entry, salesperson, south_manager, assistant
):
    req = services.blacklist_readmission_request(
        actor=salesperson, entry_id=expired_entry.pk, evaluation="ok", conditions=CONDITIONS
    )
    for outsider in (south_manager, assistant, salesperson):
        with pytest.raises(BlacklistError):
            services.blacklist_readmission_approve(actor=outsider, request_id=req.pk)


def test_refused_readmission_allows_a_new_request(expired_entry, salesperson, gm_office, customer):
    req = services.blacklist_readmission_request(
        actor=salesperson, entry_id=expired_entry.pk, evaluation="ok", conditions=CONDITIONS
    )
    with pytest.raises(BlacklistError, match="already awaiting"):
        services.blacklist_readmission_request(
            actor=salesperson, entry_id=expired_entry.pk, evaluation="ok", conditions=CONDITIONS
        )
    services.blacklist_readmission_reject(actor=gm_office, request_id=req.pk, comment="仍有欠款")
    customer.refresh_from_db()
    assert customer.readmission_required and customer.status == CustomerStatus.INACTIVE
    again = services.blacklist_readmission_request(
        actor=salesperson, entry_id=expired_entry.pk, evaluation="已结清", conditions=CONDITIONS
    )
    assert again.state == ReadmissionState.PENDING


def test_blacklisting_again_after_expiry(expired_entry, customer, report_entry, gm_office):
    with time_machine.travel(at(2026, 8, 1), tick=False):
        entry = report_entry(customer)
        services.blacklist_entry_approve(actor=gm_office, entry_id=entry.pk)
    customer.refresh_from_db()
    assert customer.is_blacklisted and customer.blacklisted_until == date(2027, 2, 1)
