"""System reasons of grade proposals are stored as codes and worded in the reader's language."""

import importlib

import pytest
from django.apps import apps
from django.utils import translation

from crm.models import Notification
from customers.models import CustomerStatus
from grading.models import GradeChange, GradeProposal, SystemReason
from grading.services import grade_provisional_assign, incident_record, review_round_open
from tests.factories import CustomerFactory

EN = {
    "provisional": "Provisional grade of a new customer, from its latest yearly figures (at most B).",
    "annual": "Annual review 2026: suggested by the rules on the figures of 2025.",
    "demotion": "Incident of 2026-03-25 (Contract-execution failure): an A customer must be demoted within 5 days.",
}
ZH = {
    "provisional": "新客户暂定等级，按最近年度业务数据评定（最高为B级）。",
    "annual": "2026年度评审：按 2025 年度业务数据的规则建议。",
    "demotion": "2026-03-25 发生问题（合同履行失败）：A级客户须在 5 天内降级。",
}


@pytest.mark.parametrize(("written", "read", "words"), [("zh-hans", "en", EN), ("en", "zh-hans", ZH)])
def test_system_reasons_read_in_the_readers_language(
    now, salesperson, manager, a_customer, figures, written, read, words
):
    new = CustomerFactory(owner=salesperson, grade="", status=CustomerStatus.ACTIVE)
    figures(new, volume=1_200_000)
    reviewed = CustomerFactory(owner=salesperson, grade="D")
    figures(reviewed, volume=3_500_000)
    with translation.override(written):
        provisional = grade_provisional_assign(customer_id=new.pk, actor=salesperson)
        incident_record(
            actor=salesperson,
            customer_id=a_customer.pk,
            incident_type="contract",
            occurred_on=now.date(),
            description="未按合同交货",
        )
        review_round_open(actor=manager)  # the A customer, with its open demotion, is left out
    annual = GradeProposal.objects.get(customer=reviewed)
    demotion = GradeProposal.objects.get(customer=a_customer)
    assert (annual.reason_code, demotion.reason_code) == (SystemReason.ANNUAL_REVIEW, SystemReason.DEMOTION)
    assert (provisional.reason, annual.reason, demotion.reason) == ("", "", "")
    with translation.override(read):
        assert GradeProposal.objects.get(pk=provisional.pk).reason_text == words["provisional"]
        assert GradeChange.objects.get(customer=new).reason_text == words["provisional"]
        assert annual.reason_text == words["annual"]
        assert demotion.reason_text == words["demotion"]


def test_the_customer_page_words_a_system_reason_for_the_reader(now, salesperson, figures, client_for):
    new = CustomerFactory(owner=salesperson, grade="", status=CustomerStatus.ACTIVE)
    figures(new, volume=1_200_000)
    with translation.override("zh-hans"):
        grade_provisional_assign(customer_id=new.pk, actor=salesperson)
    html = client_for(salesperson).get(f"/customers/{new.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert EN["provisional"] in html and ZH["provisional"] not in html


def test_a_typed_reason_stays_as_typed(now, salesperson, customer):
    from grading.services import proposal_create

    with translation.override("en"):
        proposal = proposal_create(
            actor=salesperson, customer_id=customer.pk, to_grade="D", reason="回款变慢"
        )
    with translation.override("zh-hans"):
        assert proposal.reason_text == "回款变慢"


def test_notifications_of_a_request_in_english_are_worded_in_the_company_language(
    now, salesperson, manager, a_customer
):
    with translation.override("en"):
        incident_record(
            actor=salesperson,
            customer_id=a_customer.pk,
            incident_type="contract",
            occurred_on=now.date(),
            description="未按合同交货",
        )
    note = Notification.objects.get(recipient=manager, kind="grading_demotion")
    # Notifications name the customer by its full name: short names repeat (issue 14.14).
    assert note.title == f"{a_customer.name} 须在 5 天内由A级降级"


@pytest.mark.parametrize("text", [EN["annual"], ZH["annual"]])
def test_the_migration_turns_stored_words_of_either_language_into_codes(now, customer, text):
    rows = [
        GradeProposal.objects.create(
            customer=customer,
            from_grade="B",
            to_grade="C",
            reason=text,
            created_at=now,
            state="withdrawn",
            decided_at=now,
        ),
        GradeProposal.objects.create(
            customer=customer,
            from_grade="B",
            to_grade="C",
            reason=ZH["demotion"],
            created_at=now,
            state="withdrawn",
            decided_at=now,
        ),
        GradeProposal.objects.create(
            customer=customer,
            from_grade="B",
            to_grade="C",
            reason="黑名单到期后重新准入",
            created_at=now,
            state="withdrawn",
            decided_at=now,
        ),
        GradeProposal.objects.create(
            customer=customer,
            from_grade="B",
            to_grade="C",
            reason="客户回款变慢",
            created_at=now,
            state="withdrawn",
            decided_at=now,
        ),
    ]
    importlib.import_module("grading.migrations.0003_system_reason_codes").words_to_codes(apps, None)
    got = [
        GradeProposal.objects.values_list("reason", "reason_code", "reason_params").get(pk=p.pk) for p in rows
    ]
    assert got == [
        ("", "annual_review", {"year": 2026, "period": 2025}),
        ("", "demotion", {"date": "2026-03-25", "type": "contract", "days": 5}),
        ("", "readmission", {}),
        ("客户回款变慢", "", {}),
    ]
