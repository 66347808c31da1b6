"""The rules of §9 and §14 at their edges."""

from datetime import date, datetime, timedelta

import pytest

from crm.models import Notification, Role
from customers.models import Customer, CustomerTier
from engagement.models import (
    CadenceReminder,
    CadenceRule,
    ComplianceSnapshot,
    ContactMode,
    ContactRecord,
    TierChange,
    TierProposal,
)
from engagement.services import (
    EngagementError,
    cadence_items,
    cadence_reminders_send,
    contact_record_create,
    customer_account_manager_set,
    customer_tier_set,
    greeting_mark_sent,
    greeting_reminders_send,
    tier_proposal_approve,
    tier_proposal_reject,
)
from tests.factories import ContactFactory, CustomerFactory, UserFactory

from .conftest import NOW, SH

pytestmark = pytest.mark.django_db


def _record(customer, user, days_ago, mode=ContactMode.PHONE):
    return ContactRecord.objects.create(
        customer=customer, user=user, mode=mode, contacted_at=NOW - timedelta(days=days_ago), summary="通话"
    )


def _key(customer_factory_owner, age_days=400, **kw):
    c = CustomerFactory(owner=customer_factory_owner, tier=CustomerTier.KEY, **kw)
    Customer.objects.filter(pk=c.pk).update(created_at=NOW - timedelta(days=age_days))
    return c


def _state(items, customer, tier, who, how):
    rule = CadenceRule.objects.get(tier=tier, who=who, how=how)
    return next(i for i in items if i.customer_id == customer.pk and i.rule.pk == rule.pk)


# --- Tiers ---------------------------------------------------------------------------------------


def test_manager_sets_key_tier_at_once_with_history(manager, customer, now):
    change = customer_tier_set(
        actor=manager, customer_id=customer.pk, to_tier=CustomerTier.KEY, reason="上市公司"
    )
    customer.refresh_from_db()
    assert customer.tier == CustomerTier.KEY
    assert isinstance(change, TierChange)
    assert (change.from_tier, change.to_tier, change.proposed_by, change.approved_by) == (
        "ordinary",
        "key",
        manager,
        None,
    )


def test_strategic_needs_gm_approval(manager, gm_office, customer, now, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        proposal = customer_tier_set(
            actor=manager, customer_id=customer.pk, to_tier="strategic", reason="技术合作"
        )
    assert isinstance(proposal, TierProposal)
    customer.refresh_from_db()
    assert customer.tier == CustomerTier.ORDINARY  # not before 总经办 approves
    assert Notification.objects.filter(recipient=gm_office, kind="engagement_tier_approval").count() == 1
    with pytest.raises(EngagementError):
        customer_tier_set(actor=manager, customer_id=customer.pk, to_tier="key", reason="再改")
    with pytest.raises(EngagementError):  # a manager does not approve
        tier_proposal_approve(proposal_id=proposal.pk, approver=manager)
    tier_proposal_approve(proposal_id=proposal.pk, approver=gm_office, comment="同意")
    customer.refresh_from_db()
    assert customer.tier == CustomerTier.STRATEGIC
    change = TierChange.objects.get(customer=customer)
    assert (change.approved_by, change.proposal) == (gm_office, proposal)
    with pytest.raises(EngagementError, match="already|已有审批结果"):
        tier_proposal_approve(proposal_id=proposal.pk, approver=gm_office)


def test_leaving_strategic_also_needs_approval_and_rejection_needs_a_reason(
    manager, gm_office, customer, now
):
    Customer.objects.filter(pk=customer.pk).update(tier=CustomerTier.STRATEGIC)
    proposal = customer_tier_set(actor=manager, customer_id=customer.pk, to_tier="key", reason="合作减少")
    assert isinstance(proposal, TierProposal)
    with pytest.raises(EngagementError):
        tier_proposal_reject(proposal_id=proposal.pk, approver=gm_office, comment="")
    tier_proposal_reject(proposal_id=proposal.pk, approver=gm_office, comment="继续观察")
    customer.refresh_from_db()
    assert customer.tier == CustomerTier.STRATEGIC
    assert not TierChange.objects.exists()


def test_salesperson_and_other_department_cannot_set_tier(salesperson, south_manager, customer, now):
    with pytest.raises(EngagementError):
        customer_tier_set(actor=salesperson, customer_id=customer.pk, to_tier="key", reason="x")
    with pytest.raises(EngagementError, match="not found|未找到"):
        customer_tier_set(actor=south_manager, customer_id=customer.pk, to_tier="key", reason="x")


def test_account_manager_must_be_of_the_department(manager, salesperson, south_salesperson, customer, now):
    customer_account_manager_set(actor=manager, customer_id=customer.pk, account_manager_id=salesperson.pk)
    customer.refresh_from_db()
    assert customer.account_manager == salesperson
    with pytest.raises(EngagementError):
        customer_account_manager_set(
            actor=manager, customer_id=customer.pk, account_manager_id=south_salesperson.pk
        )


# --- The contact log ---------------------------------------------------------------------------


def test_salesperson_logs_a_call(salesperson, customer, now):
    contact = ContactFactory(customer=customer)
    record = contact_record_create(
        actor=salesperson,
        customer_id=customer.pk,
        mode="phone",
        summary="询价",
        contact_id=contact.pk,
        next_step="报价",
        next_step_on=date(2026, 12, 2),
    )
    assert (record.user, record.contact, record.mode) == (salesperson, contact, "phone")


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"mode": "visit"}, "how"),
        ({"summary": " "}, "said"),
        ({"next_step_on": date(2026, 11, 28), "next_step": "x"}, "past"),
        ({"contacted_at": NOW + timedelta(hours=1)}, "future"),
    ],
)
def test_bad_contact_input_is_refused(salesperson, customer, now, kw, message):
    from django.utils import translation

    args = {"actor": salesperson, "customer_id": customer.pk, "mode": "phone", "summary": "询价", **kw}
    with translation.override("en"), pytest.raises(EngagementError, match=message):
        contact_record_create(**args)
    assert not ContactRecord.objects.exists()


def test_other_salespersons_customer_is_not_found(other_salesperson, customer, now):
    with pytest.raises(EngagementError):
        contact_record_create(actor=other_salesperson, customer_id=customer.pk, mode="phone", summary="x")


def test_visit_report_counts_as_a_contact(salesperson, customer, now):
    from visits.services import visit_report_create

    report = visit_report_create(
        author=salesperson,
        customer_id=customer.pk,
        data={"visited_on": date(2026, 11, 28), "mode": "onsite", "latest_needs": "扩产"},
    )
    record = ContactRecord.objects.get(source=f"visit:{report.pk}")
    assert (record.mode, record.user, record.customer, record.visit_report_id) == (
        "visit",
        salesperson,
        customer,
        report.pk,
    )


# --- The cadence -------------------------------------------------------------------------------


def test_key_customer_call_by_head_day_7_due_day_8_overdue(manager, salesperson, now):
    c = _key(salesperson)
    _record(c, manager, 7)
    state = _state(cadence_items(now=NOW), c, "key", "head", "any")
    assert (state.due_on, state.state) == (date(2026, 11, 29), "due")
    ContactRecord.objects.all().delete()
    _record(c, manager, 8)
    assert _state(cadence_items(now=NOW), c, "key", "head", "any").state == "overdue"


def test_the_salespersons_call_does_not_keep_the_heads_cadence(manager, salesperson, now):
    c = _key(salesperson)
    _record(c, salesperson, 1)
    assert _state(cadence_items(now=NOW), c, "key", "head", "any").state == "overdue"


def test_two_year_rule_for_ordinary_customers_and_the_head_visit(manager, salesperson, now):
    c = CustomerFactory(owner=salesperson)
    Customer.objects.filter(pk=c.pk).update(created_at=NOW - timedelta(days=1000))
    _record(c, salesperson, 730, ContactMode.VISIT)
    assert _state(cadence_items(now=NOW), c, "ordinary", "salesperson", "onsite").state in ("ok", "due")
    ContactRecord.objects.all().delete()
    _record(c, salesperson, 731, ContactMode.VISIT)
    assert _state(cadence_items(now=NOW), c, "ordinary", "salesperson", "onsite").state == "overdue"
    _record(c, manager, 100, ContactMode.VISIT)  # the head went: the salesperson owes no visit
    assert _state(cadence_items(now=NOW), c, "ordinary", "salesperson", "onsite").state == "ok"


def test_one_reminder_per_period_across_reruns_and_late_runs(manager, salesperson, now):
    c = _key(salesperson, age_days=10)  # the yearly on-site visit is not due yet
    _record(c, manager, 6)  # due on 11-30: "due" today with 2 days ahead
    first = cadence_reminders_send(now=NOW)
    assert first["new_reminders"] >= 1
    due = Notification.objects.filter(recipient=manager, kind="engagement_cadence_due")
    assert due.count() == 1 and "1" in due.get().title
    again = cadence_reminders_send(now=NOW + timedelta(hours=2))
    assert again["new_reminders"] == 0 and again["notifications"] == 0
    # The job was down for 5 days: the late run reminds once of the overdue state.
    late = datetime(2026, 12, 4, 9, 0, tzinfo=SH)
    cadence_reminders_send(now=late)
    cadence_reminders_send(now=late + timedelta(days=1))
    assert Notification.objects.filter(recipient=manager, kind="engagement_cadence_overdue").count() == 1
    assert Notification.objects.filter(recipient=manager, kind="engagement_cadence_due").count() == 1
    assert CadenceReminder.objects.filter(customer=c, state="overdue").count() == 1


def test_one_message_per_person_not_per_customer(manager, salesperson, now):
    for _ in range(3):
        _record(_key(salesperson), manager, 20)
    cadence_reminders_send(now=NOW)
    overdue = Notification.objects.filter(recipient=manager, kind="engagement_cadence_overdue")
    assert overdue.count() == 1
    assert "3" in overdue.get().title


def test_vice_president_owes_strategic_calls(salesperson, gm_office, now):
    gm_office.is_vice_president = True
    gm_office.save()
    c = CustomerFactory(owner=salesperson, tier=CustomerTier.STRATEGIC)
    Customer.objects.filter(pk=c.pk).update(created_at=NOW - timedelta(days=100))
    _record(c, gm_office, 31)
    cadence_reminders_send(now=NOW)
    assert Notification.objects.filter(recipient=gm_office, kind="engagement_cadence_overdue").exists()


def test_compliance_snapshot_per_department_and_person(manager, salesperson, now):
    ok, late = _key(salesperson), _key(salesperson)
    _record(ok, manager, 1)
    _record(late, manager, 30)
    cadence_reminders_send(now=NOW)
    snap = ComplianceSnapshot.objects.get(
        month=date(2026, 11, 1), department=salesperson.department, tier="key", who="head", user=None
    )
    # Two rules of the head for 关键 (calls every 7 days, a visit in 12 months) × two customers;
    # only the call to `ok` is kept (neither was visited in the 400 days).
    assert (snap.obligations, snap.met) == (4, 1)
    cadence_reminders_send(now=NOW)  # rerun replaces, not adds
    assert ComplianceSnapshot.objects.filter(month=date(2026, 11, 1), tier="key", who="head").count() == 1


# --- Customer care -------------------------------------------------------------------------------


def test_birthday_greeting_reminder_once_and_marking_sent_records_a_contact(salesperson, customer, now):
    contact = ContactFactory(customer=customer, birthday=date(1980, 12, 1))
    ContactFactory(customer=customer, birthday=date(1980, 12, 20))  # too far ahead
    greeting_reminders_send(now=NOW)
    greeting_reminders_send(now=NOW)
    notes = Notification.objects.filter(recipient=salesperson, kind="engagement_greeting")
    assert notes.count() == 1
    assert contact.name in notes.get().body
    record = greeting_mark_sent(
        actor=salesperson, contact_id=contact.pk, occasion="birthday", on=date(2026, 12, 1)
    )
    assert record.contact == contact and record.mode == "wechat"
    with pytest.raises(EngagementError):
        greeting_mark_sent(
            actor=salesperson, contact_id=contact.pk, occasion="birthday", on=date(2026, 12, 1)
        )


def test_festival_greeting_from_the_table(salesperson, customer):
    import time_machine

    ContactFactory(customer=customer)
    with time_machine.travel(datetime(2027, 2, 4, 9, 0, tzinfo=SH), tick=False):  # 春节 2027-02-06
        greeting_reminders_send()
    note = Notification.objects.get(recipient=salesperson, kind="engagement_greeting")
    assert "春节" in note.title


def test_role_fixture_sanity(manager):
    assert manager.role == Role.MANAGER
    assert UserFactory is not None
