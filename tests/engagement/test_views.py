"""The engagement screens: scoped to what the user may see, constant queries, the phone form."""

from datetime import timedelta

import pytest
from django.urls import reverse

from customers.models import Customer, CustomerTier
from engagement.models import ContactRecord, TierProposal
from engagement.services import cadence_reminders_send, customer_meeting_create, customer_tier_set
from tests.factories import ContactFactory, CustomerFactory

from .conftest import NOW

pytestmark = pytest.mark.django_db

# The cadence page: session, user, policy, rules, the cadence (customers, tier entries, one
# grouped pass over the contact log), the rows' customers, the compliance snapshot (2):
# constant in the number of customers, contacts and rules.
QUERIES = 14


def _overdue_key(owner, manager, n=1):
    out = []
    for _ in range(n):
        c = CustomerFactory(owner=owner, tier=CustomerTier.KEY)
        Customer.objects.filter(pk=c.pk).update(created_at=NOW - timedelta(days=10))
        ContactRecord.objects.create(
            customer=c, user=manager, mode="phone", contacted_at=NOW - timedelta(days=9), summary="x"
        )
        out.append(c)
    return out


def test_salesperson_logs_a_call_from_the_customer_page(client_for, salesperson, customer, now):
    contact = ContactFactory(customer=customer, name="王经理")
    client = client_for(salesperson)
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert 'data-testid="log-contact"' in page
    url = reverse("engagement:contact_create") + f"?customer={customer.pk}"
    response = client.post(
        url,
        {
            "customer": customer.pk,
            "mode": "phone",
            "contact": contact.pk,
            "summary": "确认交期",
            "next_step": "寄样品",
            "next_step_on": "2026-12-03",
        },
    )
    assert response.status_code == 302
    record = ContactRecord.objects.get()
    assert (record.user, record.contact, record.summary) == (salesperson, contact, "确认交期")
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "确认交期" in page and "寄样品" in page


def test_bad_input_shows_the_message_and_writes_nothing(client_for, salesperson, customer, now):
    url = reverse("engagement:contact_create") + f"?customer={customer.pk}"
    response = client_for(salesperson).post(
        url,
        {
            "customer": customer.pk,
            "mode": "phone",
            "summary": "x",
            "next_step": "y",
            "next_step_on": "2026-11-01",
        },
    )
    assert response.status_code == 200 and not ContactRecord.objects.exists()
    assert "下一步" in response.content.decode() or "past" in response.content.decode()


def test_another_salespersons_customer_is_404(client_for, other_salesperson, customer):
    url = reverse("engagement:contact_create") + f"?customer={customer.pk}"
    assert client_for(other_salesperson).get(url).status_code == 404


def test_manager_drills_down_to_overdue_customers(
    client_for, manager, salesperson, south_salesperson, now, django_assert_max_num_queries
):
    late = _overdue_key(salesperson, manager, 3)
    CustomerFactory(owner=south_salesperson, tier=CustomerTier.KEY)  # another department
    cadence_reminders_send(now=NOW)
    client = client_for(manager)
    home = client.get(reverse("home")).content.decode()
    assert 'data-testid="compliance-widget"' in home and 'data-testid="drill-key-head"' in home
    client.get(reverse("engagement:cadence"))
    with django_assert_max_num_queries(QUERIES):
        response = client.get(
            reverse("engagement:cadence"), {"state": "overdue", "tier": "key", "who": "head"}
        )
    rows = response.context["rows"]
    assert {r["customer"].pk for r in rows} == {c.pk for c in late}
    assert all(r["days_overdue"] == 2 for r in rows)


def test_cadence_page_queries_do_not_grow_with_rows(
    client_for, manager, salesperson, now, django_assert_max_num_queries
):
    _overdue_key(salesperson, manager, 2)
    client = client_for(manager)
    client.get(reverse("engagement:cadence"))
    with django_assert_max_num_queries(QUERIES):
        small = len(client.get(reverse("engagement:cadence")).context["rows"])
    _overdue_key(salesperson, manager, 20)
    with django_assert_max_num_queries(QUERIES):
        assert len(client.get(reverse("engagement:cadence")).context["rows"]) > small


def test_salesperson_sees_only_own_rules(client_for, manager, salesperson, now):
    _overdue_key(salesperson, manager)
    rows = client_for(salesperson).get(reverse("engagement:cadence")).context["rows"]
    assert rows == [] or all(r["rule"].who == "salesperson" for r in rows)


def test_customer_panels_constant_queries(
    client_for, manager, salesperson, customer, now, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    customer_tier_set(
        actor=manager, customer_id=customer.pk, to_tier="key", reason="上市"
    )  # a logged archive
    client = client_for(manager)
    url = reverse("customers:detail", args=[customer.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(15):
        ContactRecord.objects.create(
            customer=customer,
            user=salesperson,
            mode="phone",
            contacted_at=NOW,
            summary="s",
            contact=ContactFactory(customer=customer),
        )
    customer_tier_set(
        actor=manager, customer_id=customer.pk, to_tier="strategic", reason="技术合作"
    )  # a proposal
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many.captured_queries) <= len(few.captured_queries)


def test_manager_sets_strategic_and_gm_approves_in_the_admin(client_for, manager, gm_office, customer, now):
    client_for(manager).post(
        reverse("engagement:tier_set", args=[customer.pk]), {"tier": "strategic", "reason": "技术"}
    )
    proposal = TierProposal.objects.get()
    gm = client_for(gm_office)
    assert gm.get(reverse("admin:engagement_tierproposal_changelist")).status_code == 200
    response = gm.post(
        reverse("admin:engagement_tierproposal_changelist"),
        {"action": "approve_selected", "_selected_action": [proposal.pk], "apply": "1", "comment": "同意"},
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.tier == "strategic"


def test_meeting_of_another_department_is_404(client_for, south_manager, manager, now):
    meeting = customer_meeting_create(
        actor=south_manager, data={"title": "华南订货会", "held_on": NOW.date()}
    )
    assert client_for(manager).get(reverse("engagement:meeting_detail", args=[meeting.pk])).status_code == 404


def test_meeting_invites_key_customers_and_records_who_came(client_for, manager, salesperson, now):
    key = CustomerFactory(owner=salesperson, tier=CustomerTier.KEY, grade="C")
    a = CustomerFactory(owner=salesperson, grade="A")
    CustomerFactory(owner=salesperson, grade="C")  # ordinary C: not invited
    client = client_for(manager)
    home = client.get(reverse("home")).content.decode()
    assert "没有" in home or "without" in home
    client.post(
        reverse("engagement:meetings"), {"kind": "order_fair", "title": "年度订货会", "held_on": "2026-11-20"}
    )
    meeting = (
        manager.department and __import__("engagement.models", fromlist=["x"]).CustomerMeeting.objects.get()
    )
    client.post(reverse("engagement:meeting_detail", args=[meeting.pk]), {"action": "invite"})
    assert {i.customer_id for i in meeting.invitations.all()} == {key.pk, a.pk}
    client.post(
        reverse("engagement:meeting_detail", args=[meeting.pk]), {"action": "attendance", "came": [key.pk]}
    )
    assert list(meeting.invitations.filter(attended=True).values_list("customer_id", flat=True)) == [key.pk]


def test_tier_badge_and_unassigned_list(client_for, manager, salesperson, now):
    c = CustomerFactory(owner=salesperson, tier=CustomerTier.STRATEGIC)
    client = client_for(manager)
    assert 'data-testid="tier-badge"' in client.get(reverse("customers:list")).content.decode()
    response = client.get(reverse("engagement:key_accounts_unassigned"))
    assert c.display_name in response.content.decode()
    client.post(reverse("engagement:account_manager_set", args=[c.pk]), {"account_manager": salesperson.pk})
    assert c.display_name not in client.get(reverse("engagement:key_accounts_unassigned")).content.decode()


def test_greetings_page_marks_a_greeting_sent(client_for, salesperson, customer, now):
    from datetime import date

    contact = ContactFactory(customer=customer, name="刘总", birthday=date(1975, 11, 30))
    client = client_for(salesperson)
    page = client.get(reverse("engagement:greetings")).content.decode()
    assert "刘总" in page
    client.post(
        reverse("engagement:greeting_sent"),
        {"contact": contact.pk, "occasion": "birthday", "on": "2026-11-30"},
    )
    assert ContactRecord.objects.filter(contact=contact, user=salesperson).count() == 1


def test_customer_list_filters_by_tier(client_for, manager, salesperson):
    key = CustomerFactory(owner=salesperson, tier=CustomerTier.KEY)
    CustomerFactory(owner=salesperson)
    customers = client_for(manager).get(reverse("customers:list"), {"tier": "key"}).context["customers"]
    assert [c.pk for c in customers] == [key.pk]


def test_export_has_the_tier_column(assistant, salesperson):
    from customers.resources import CustomerResource

    CustomerFactory(owner=salesperson, tier=CustomerTier.STRATEGIC)
    data = CustomerResource(user=assistant).export()
    assert "客户层级" in data.headers
    assert "战略合作伙伴" in data.dict[0]["客户层级"] or data.dict[0]["客户层级"] == "Strategic partner"
