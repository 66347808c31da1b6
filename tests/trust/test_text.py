"""Text: <script>, right-to-left marks, 10,000-character fields, emoji, full-width digits in
phone numbers and credit codes: shown harmlessly, normalised, or refused with a clear message."""

import datetime as dt

import pytest
from django.urls import reverse

from blacklist import services as blacklist_services
from complaints import services as complaint_services
from customers.models import Contact, Customer
from customers.services import CustomerError, contact_save, customer_create, customer_update
from tests.factories import CustomerFactory, make_credit_code
from visits import services as visit_services

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'
RLO = "\u202e"
LONG = "长" * 10_000


def _base(**kw):
    data = {
        "name": "杭州新锐电子有限公司",
        "credit_code": make_credit_code(9301),
        "province": "浙江省",
        "source_channel": "trade_fair",
    }
    data.update(kw)
    return data


def test_script_in_any_text_is_shown_as_text_on_every_page(client_for, salesperson, manager, customer):
    customer_update(
        actor=salesperson, customer_id=customer.pk, data={"short_name": SCRIPT[:60], "business_scope": SCRIPT}
    )
    contact_save(
        actor=salesperson, customer_id=customer.pk, data={"name": SCRIPT[:60], "preferences": SCRIPT}
    )
    ticket = complaint_services.ticket_create(
        actor=salesperson,
        customer_id=customer.pk,
        channel="phone",
        complaint_type="quality",
        description=SCRIPT,
    )
    report = visit_services.visit_report_create(
        author=salesperson,
        customer_id=customer.pk,
        data={"visited_on": dt.date.today(), "mode": "onsite", "latest_needs": SCRIPT, "opinions": SCRIPT},
    )
    client = client_for(manager)
    for url in (
        reverse("customers:detail", args=[customer.pk]),
        reverse("customers:list"),
        reverse("complaints:detail", args=[ticket.pk]),
        reverse("complaints:list"),
        reverse("visits:report_detail", args=[report.pk]),
        reverse("visits:team"),
        reverse("home"),
    ):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html, url
    html = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "&lt;script&gt;" in html, "shown, escaped"


def test_right_to_left_overrides_and_zero_width_spaces_are_removed_from_names(salesperson):
    customer = customer_create(actor=salesperson, data=_base(name=f"恒力{RLO}械机\u200b有限公司"))
    assert customer.name == "恒力械机有限公司"
    contact = contact_save(actor=salesperson, customer_id=customer.pk, data={"name": f"张{RLO}伟"})
    assert contact.name == "张伟"


def test_an_invisible_character_does_not_get_a_blacklisted_company_past_the_admission_check(
    salesperson,
    manager,
    gm_office,
):
    blocked = CustomerFactory(
        name="上海黑名单贸易有限公司",
        name_normalized="上海黑名单贸易有限公司",
        owner=salesperson,
        credit_code="",
    )
    entry = blacklist_services.blacklist_entry_report(
        actor=manager, customer_id=blocked.pk, reason_category="fraud", reason="欺诈", loss_amount=1
    )
    blacklist_services.blacklist_entry_approve(actor=gm_office, entry_id=entry.pk)
    for disguised in (
        "上海黑名单\u200b贸易有限公司",
        f"上海黑名单贸易有限公司{RLO}",
        "上海黑名单贸易\ufeff有限公司",
        "上海黑名单贸易有限公司\u200d",
        "上海黑名单贸易 有限公司",
    ):
        with pytest.raises(CustomerError, match="(?i)admission|准入"):
            customer_create(actor=salesperson, data=_base(name=disguised, credit_code=""))
    assert Customer.objects.count() == 1


def test_a_10000_character_name_is_refused_with_the_limit_and_nothing_is_saved(client_for, salesperson):
    client = client_for(salesperson)
    data = {**_base(name=LONG), "staff_size": ""}
    response = client.post(reverse("customers:create"), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "at most 200 characters" in response.content.decode()
    assert not Customer.objects.exists()


def test_10000_characters_in_long_text_fields_are_kept_whole_and_shown(client_for, salesperson, customer):
    customer_update(actor=salesperson, customer_id=customer.pk, data={"business_scope": LONG})
    ticket = complaint_services.ticket_create(
        actor=salesperson,
        customer_id=customer.pk,
        channel="phone",
        complaint_type="quality",
        description=LONG[:2000],
    )
    assert Customer.objects.get(pk=customer.pk).business_scope == LONG
    client = client_for(salesperson)
    assert client.get(reverse("customers:detail", args=[customer.pk])).status_code == 200
    assert client.get(reverse("complaints:detail", args=[ticket.pk])).status_code == 200


def test_emoji_are_kept_in_names_and_text_and_survive_the_export(client_for, assistant, salesperson):
    customer = customer_create(
        actor=salesperson, data=_base(name="🚀火箭科技有限公司", business_scope="👍👨‍👩‍👧 合作愉快")
    )
    customer.refresh_from_db()
    assert customer.name == "🚀火箭科技有限公司" and "👨‍👩‍👧" in customer.business_scope
    client = client_for(assistant)
    assert "🚀火箭科技有限公司" in client.get(reverse("customers:list")).content.decode()
    export = client.get(reverse("customers:export") + "?kind=customers")
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(export.content)) as zf:
        xml = "".join(zf.read(n).decode() for n in zf.namelist() if n.endswith(".xml"))
    assert "🚀火箭科技有限公司" in xml


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("１３９１２３４５６７８", "13912345678"),  # full-width digits
        ("+86 139-1234-5678", "13912345678"),
        ("0086 13912345678", "13912345678"),
        ("139 1234 5678", "13912345678"),
    ],
)
def test_full_width_and_formatted_mobiles_are_normalised(typed, stored, client_for, salesperson, customer):
    client = client_for(salesperson)
    response = client.post(
        reverse("customers:contact_add", args=[customer.pk]),
        {"name": "王经理", "position": "other", "mobile": typed},
    )
    assert response.status_code == 302, response.context["form"].errors
    assert Contact.objects.get(customer=customer).mobile == stored


@pytest.mark.parametrize("typed", ["１２３", "23912345678", "1391234567８9", "電話13912345678"])
def test_a_wrong_mobile_is_refused_clearly(typed, client_for, salesperson, customer):
    client = client_for(salesperson)
    response = client.post(
        reverse("customers:contact_add", args=[customer.pk]),
        {"name": "王经理", "position": "other", "mobile": typed},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "valid mainland China mobile number" in response.content.decode()
    assert not Contact.objects.exists()


def test_a_full_width_credit_code_is_normalised_and_a_wrong_one_refused(salesperson):
    code = make_credit_code(9302)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code.lower())  # ＡＢＣ…, lower case too
    customer = customer_create(actor=salesperson, data=_base(credit_code=f" {full_width} "))
    assert customer.credit_code == code
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(CustomerError, match="check character|校验"):
        customer_create(actor=salesperson, data=_base(name="另一家有限公司", credit_code=wrong))
    with pytest.raises(CustomerError):
        customer_create(
            actor=salesperson, data=_base(name="第三家有限公司", credit_code=full_width)
        )  # duplicate
