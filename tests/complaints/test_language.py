"""Timeline lines are stored as codes and parameters and worded in the reader's language."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import translation

from complaints import services
from complaints.models import EventKind, Ticket, TicketEvent
from crm.models import Notification

pytestmark = pytest.mark.django_db


def _texts(ticket):
    return {e.kind: e.text for e in TicketEvent.objects.filter(ticket=ticket)}


@pytest.mark.parametrize(("written", "read"), [("zh-hans", "en"), ("en", "zh-hans")])
def test_a_timeline_written_in_one_language_reads_in_the_other(
    assigned_ticket, open_ticket, assistant, salesperson, manager, customer, written, read
):
    with translation.override(written):
        ticket = assigned_ticket(assistant)
        services.feedback_add(
            actor=assistant,
            ticket_id=ticket.pk,
            given_at=ticket.received_at,
            method="wechat",
            content="已告知处理进度",
        )
        services.ticket_resolve(
            actor=assistant, ticket_id=ticket.pk, root_cause="包装", corrective_action="加固"
        )
        services.ticket_return_visit_record(
            actor=salesperson, ticket_id=ticket.pk, satisfaction=4, confirmation="满意"
        )
        major = open_ticket(salesperson, customer, claim_amount=Decimal("150000"))
    with translation.override(read):
        texts, major_texts = _texts(ticket), _texts(major)
    if read == "en":
        assert texts[EventKind.RECEIVED] == "Phone"
        assert " · time limit " in texts[EventKind.ASSIGNED]
        assert texts[EventKind.FEEDBACK] == "WeChat: 已告知处理进度"
        assert texts[EventKind.RETURN_VISITED] == "Satisfaction 4/5: 满意"
        assert (
            major_texts[EventKind.ESCALATED]
            == "Claim of 150,000.00 yuan reaches the threshold of 100,000.00 yuan."
        )
    else:
        assert texts[EventKind.RECEIVED] == "电话"
        assert " · 时限 " in texts[EventKind.ASSIGNED]
        assert texts[EventKind.FEEDBACK] == "微信: 已告知处理进度"
        assert texts[EventKind.RETURN_VISITED] == "满意度 4/5：满意"
        assert major_texts[EventKind.ESCALATED] == "索赔金额 150,000.00 元，达到重大投诉门槛 100,000.00 元。"
    # What a person typed stays as typed; the automatic escalation reason is not stored as words.
    assert TicketEvent.objects.get(ticket=ticket, kind=EventKind.FEEDBACK).note == "已告知处理进度"
    assert Ticket.objects.get(pk=major.pk).major_reason == ""


def test_the_detail_page_words_the_timeline_in_the_readers_language(
    open_ticket, salesperson, customer, client_for
):
    with translation.override("zh-hans"):
        ticket = open_ticket(salesperson, customer, channel="walk_in", claim_amount=Decimal("150000"))
    page = client_for(salesperson).get(f"/complaints/{ticket.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "Walk-in" in html and "来访" not in html
    assert "Claim of 150,000.00 yuan" in html


def test_notifications_are_worded_in_the_company_language_whoever_acts(
    open_ticket, salesperson, manager, customer
):
    with translation.override("en"):
        ticket = open_ticket(salesperson, customer)
    note = Notification.objects.get(recipient=manager, kind="complaint_received")
    assert note.title == f"新投诉 {ticket.number}：{customer.name}，请分派处理"


def test_the_migration_turns_stored_words_of_either_language_into_codes(open_ticket, salesperson, customer):
    ticket = open_ticket(salesperson, customer)
    TicketEvent.objects.filter(ticket=ticket).delete()
    rows = {
        ("received", "电话"): ({"channel": "phone"}, ""),
        ("received", "Walk-in"): ({"channel": "walk_in"}, ""),
        ("assigned", "华东销售部 · 陈静 · 时限 2026-03-02 09:00"): (
            {"department": "华东销售部", "handler": "陈静", "limit": "2026-03-02 09:00"},
            "",
        ),
        ("return_visited", "Satisfaction 5/5: very good"): ({"score": 5}, "very good"),
        ("feedback", "微信: 已告知"): ({"method": "wechat"}, "已告知"),
        ("escalated", "索赔金额 150,000.00 元，达到重大投诉门槛 100,000.00 元。"): (
            {"amount": "150,000.00", "threshold": "100,000.00"},
            "",
        ),
        ("escalated", "影响重大"): ({}, "影响重大"),  # typed by a manager: kept
        ("closed", "客户满意"): ({}, "客户满意"),
    }
    events = {
        key: TicketEvent.objects.create(ticket=ticket, kind=key[0], at=ticket.received_at, note=key[1])
        for key in rows
    }
    migration = importlib.import_module("complaints.migrations.0004_ticketevent_params")
    migration.words_to_params(apps, None)
    for key, (params, note) in rows.items():
        e = TicketEvent.objects.get(pk=events[key].pk)
        assert (e.params, e.note) == (params, note), key


def test_the_managers_widget_says_which_count_is_the_departments_and_which_is_mine(
    open_ticket, salesperson, manager, customer, client_for
):
    for _ in range(3):
        open_ticket(salesperson, customer)
    body = client_for(manager).get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    widget = body.split('data-testid="complaints-widget"')[1].split("</ul>")[0]
    assert "本部门" in widget and "未关闭 3 件" in widget
    assert "我的：我受理、处理或我的客户的" in widget and "其中没有您的未结投诉。" in widget
    assert "您没有未结投诉" not in widget


def test_the_admin_timeline_is_worded_for_the_reader(
    open_ticket, salesperson, customer, administrator, client_for
):
    with translation.override("zh-hans"):
        ticket = open_ticket(salesperson, customer, channel="walk_in")
    page = client_for(administrator).get(
        f"/admin/complaints/ticket/{ticket.pk}/change/", HTTP_ACCEPT_LANGUAGE="en"
    )
    html = page.content.decode()
    assert page.status_code == 200 and "Walk-in" in html and "来访" not in html
