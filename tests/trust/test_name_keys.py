"""Issue 13.2 and 14.2: one matching key for company names; admission (准入) decided first.

Look-alike names (an invisible character, a traditional character, full width, punctuation)
are the same company for the blacklist admission check, the unique-name rule, search and the
import; the refusal names the blacklist, not a duplicate credit code.
"""

import datetime as dt

import pytest
from django.urls import reverse

from crm.models import Role
from customers import imports
from customers.models import Customer
from customers.pinyin import customer_pinyin
from customers.selectors import customer_search
from customers.services import CustomerError, customer_create
from customers.validators import clean_company_name, normalize_company_name
from tests.customers.test_resources import xlsx
from tests.factories import CustomerFactory, UserFactory, make_credit_code

BLOCKED = "宁波电子有限公司"
INVISIBLES = {
    "soft hyphen": "\u00ad",
    "combining grapheme joiner": "\u034f",
    "variation selector 16": "\ufe0f",
    "mongolian vowel separator": "\u180e",
    "arabic letter mark": "\u061c",
    "hangul filler": "\u3164",
    "tag space": "\U000e0020",
    "zero-width joiner": "\u200d",
    "zero-width space": "\u200b",
    "left-to-right mark": "\u200e",
    "right-to-left override": "\u202e",
    "byte order mark": "\ufeff",
    "halfwidth hangul filler": "\uffa0",
}
LOOKALIKES = [BLOCKED[:2] + ch + BLOCKED[2:] for ch in INVISIBLES.values()] + [
    "寧波電子有限公司",  # traditional
    "ＮＩＮＧＢＯ電子有限公司".replace("ＮＩＮＧＢＯ", "宁波"),
    "宁波 电子（有限）公司",  # spaces and punctuation
    "宁波·电子有限公司",
]


@pytest.mark.parametrize(
    "name", ["宁波" + ch + "电子有限公司" for ch in INVISIBLES.values()], ids=list(INVISIBLES)
)
def test_every_invisible_code_point_is_removed_from_key_and_display(name):
    assert normalize_company_name(name) == normalize_company_name(BLOCKED) == "宁波电子有限公司"
    assert clean_company_name(name) == BLOCKED


def test_key_folds_traditional_width_case_and_punctuation():
    assert normalize_company_name("寧波電子（集團）有限公司") == normalize_company_name(
        "宁波电子集团有限公司"
    )
    assert normalize_company_name("ＡＢＣ Tech. Co., Ltd") == normalize_company_name("abctechcoltd")
    assert normalize_company_name("恒力-机械") == "恒力机械"
    # The displayed name keeps what was typed, traditional characters and brackets included.
    assert clean_company_name(" 寧波電子（集團）\u200b 有限公司 ") == "寧波電子（集團） 有限公司"


@pytest.fixture
def blocked(salesperson):
    return CustomerFactory(
        name=BLOCKED,
        credit_code=make_credit_code(777),
        owner=salesperson,
        is_blacklisted=True,
        blacklisted_until=dt.date(2027, 3, 1),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", LOOKALIKES)
def test_service_refuses_lookalike_of_blacklisted(blocked, salesperson, name):
    with pytest.raises(CustomerError, match="黑名单|blacklist"):
        customer_create(actor=salesperson, data={"name": name, "province": "浙江省"})
    assert Customer.objects.count() == 1


@pytest.mark.django_db
def test_unique_name_holds_for_lookalikes(salesperson):
    customer_create(actor=salesperson, data={"name": "杭州恒力机械有限公司"})
    for name in ("杭州恒力機械有限公司", "杭州\u00ad恒力机械有限公司", "杭州恒力机械（有限）公司"):
        with pytest.raises(CustomerError):
            customer_create(actor=salesperson, data={"name": name})
    assert Customer.objects.count() == 1


@pytest.mark.django_db
def test_service_stores_display_name_without_invisibles_and_keys(salesperson):
    c = customer_create(
        actor=salesperson, data={"name": "杭州\u200b恒力\u00ad机械有限公司", "short_name": "恒力"}
    )
    c.refresh_from_db()
    assert c.name == "杭州恒力机械有限公司" and c.name_normalized == "杭州恒力机械有限公司"
    assert (c.name_pinyin, c.pinyin_keys) == customer_pinyin("杭州恒力机械有限公司", "恒力")
    assert "hangzhouhenglijixieyouxiangongsi" in c.pinyin_keys and "hl" in c.pinyin_keys.split()


@pytest.mark.django_db
class TestForm:
    def post(self, client_for, user, **data):
        base = {
            "name": "宁波新公司",
            "short_name": "",
            "credit_code": "",
            "industry": "机械",
            "province": "浙江省",
            "city": "宁波",
            "source_channel": "trade_fair",
        }
        return client_for(user).post(reverse("customers:create"), {**base, **data})

    @pytest.mark.parametrize("name", LOOKALIKES[:3] + ["寧波電子有限公司"])
    def test_lookalike_name_refused_by_admission(self, client_for, salesperson, blocked, name):
        response = self.post(client_for, salesperson, name=name)
        html = response.content.decode()
        assert response.status_code == 200 and "黑名单" in html and "2027-03-01" in html
        assert Customer.objects.count() == 1

    def test_credit_code_of_blacklisted_refused_as_blacklist_not_duplicate(
        self, client_for, salesperson, blocked
    ):
        """Issue 14.2: the admission check comes first, not "已存在相同统一社会信用代码的客户"."""
        response = self.post(
            client_for, salesperson, name="宁波全新名称有限公司", credit_code=blocked.credit_code
        )
        errors = " ".join(str(e) for e in response.context["form"].non_field_errors())
        assert "黑名单" in errors and "2027-03-01" in errors
        assert "信用代码" not in " ".join(
            str(e)
            for errs in response.context["form"].errors.values()
            for e in errs
            if "黑名单" not in str(e)
        )
        assert Customer.objects.count() == 1

    def test_end_date_hidden_from_those_who_may_not_see_the_customer(
        self, client_for, south_salesperson, blocked
    ):
        response = self.post(
            client_for, south_salesperson, name="宁波全新名称有限公司", credit_code=blocked.credit_code
        )
        errors = " ".join(str(e) for e in response.context["form"].non_field_errors())
        assert "黑名单" in errors and "2027-03-01" not in errors and "信用代码" not in errors

    def test_lookalike_duplicate_name_refused(self, client_for, salesperson):
        CustomerFactory(name="杭州恒力机械有限公司", owner=salesperson)
        response = self.post(client_for, salesperson, name="杭州恒力機械有限公司")
        assert response.status_code == 200 and Customer.objects.count() == 1


@pytest.mark.django_db
class TestImport:
    """By an assistant of another department: a row matching a customer the importer may see
    would update that archive; one it may not see is a new customer, and admission decides."""

    @pytest.fixture
    def assistant(self, south, south_salesperson):
        return UserFactory(username="assistant_south", role=Role.ASSISTANT, department=south)

    @pytest.mark.parametrize(
        "name", [LOOKALIKES[0], LOOKALIKES[5], "寧波電子有限公司", "宁波 电子（有限）公司"]
    )
    def test_lookalike_refused_as_blacklisted(self, assistant, south_salesperson, blocked, name):
        rows = [[name, "", "浙江省", "展会", south_salesperson.username, "", ""]]
        staged = imports.import_stage(actor=assistant, kind="customers", file=xlsx(rows))
        [bad] = staged.report.bad_rows
        assert any(w in bad.errors[0][1] for w in ("黑名单", "blacklist"))
        assert Customer.objects.count() == 1

    def test_credit_code_refused_as_blacklisted_first(self, assistant, south_salesperson, blocked):
        rows = [
            ["全新名称有限公司", blocked.credit_code, "浙江省", "展会", south_salesperson.username, "", ""]
        ]
        staged = imports.import_stage(actor=assistant, kind="customers", file=xlsx(rows))
        [bad] = staged.report.bad_rows
        assert len(bad.errors) == 1 and any(w in bad.errors[0][1] for w in ("黑名单", "blacklist"))


@pytest.mark.django_db
def test_search_matches_traditional_and_invisible(salesperson):
    c = CustomerFactory(name="宁波电子有限公司", short_name="宁电", owner=salesperson)
    qs = Customer.objects.all()
    for q in ("寧波電子", "宁波\u00ad电子", "nbdz", "ningbodianzi", "NingBo", "nd"):
        assert list(customer_search(qs, q)) == [c], q
    assert not customer_search(qs, "hangzhou").exists()


@pytest.mark.django_db
def test_import_stores_display_name_and_keys(assistant, salesperson, settings, tmp_path):
    from tests.customers.test_resources import stage_and_commit

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    rows = [
        [
            "杭州\u200b恒力\u00ad机械有限公司",
            make_credit_code(901),
            "浙江省",
            "展会",
            salesperson.username,
            "",
            "",
        ]
    ]
    stage_and_commit(assistant, "customers", xlsx(rows))
    c = Customer.objects.get()
    assert c.name == "杭州恒力机械有限公司" and c.name_normalized == "杭州恒力机械有限公司"
    assert c.name_pinyin == "hangzhouhenglijixieyouxiangongsi" and "hzhljxyxgs" in c.pinyin_keys.split()
