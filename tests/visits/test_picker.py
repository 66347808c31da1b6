"""Issue 14.15 and issue 17 (拼音搜索): the visit customer picker searches name, short name,
pinyin and initials, pages through every customer of the salesperson, sorted by pinyin."""

import re

import pytest
from django.urls import reverse

from customers.models import CustomerShare
from tests.factories import CustomerFactory

NAMES = [
    ("重庆长安机械有限公司", "长安机械"),
    ("北京恒力股份有限公司", "恒力股份"),
    ("安徽华瑞化工有限公司", "华瑞化工"),
    ("杭州新锐电子有限公司", "新锐电子"),
    ("Zeta精密科技有限公司", "Zeta精密"),
]


def rows(response):
    return [c.name for c in response.context["rows"]]


@pytest.fixture
def customers(salesperson, other_salesperson):
    made = [CustomerFactory(name=n, short_name=s, owner=salesperson) for n, s in NAMES]
    shared = CustomerFactory(name="上海共享客户有限公司", short_name="共享客户", owner=other_salesperson)
    CustomerShare.objects.create(customer=shared, user=salesperson)
    CustomerFactory(name="宁波别人客户有限公司", short_name="别人", owner=other_salesperson)
    return made + [shared]


@pytest.mark.django_db
class TestPicker:
    def test_sorted_by_pinyin_with_shared_and_without_others(self, client_for, salesperson, customers):
        response = client_for(salesperson).get(reverse("visits:pick_customer"))
        assert rows(response) == [  # anhui, beijing, chongqing, hangzhou, shanghai, zeta
            "安徽华瑞化工有限公司",
            "北京恒力股份有限公司",
            "重庆长安机械有限公司",
            "杭州新锐电子有限公司",
            "上海共享客户有限公司",
            "Zeta精密科技有限公司",
        ]

    @pytest.mark.parametrize(
        ("q", "expected"),
        [
            ("hlgf", "北京恒力股份有限公司"),  # initials of the short name
            ("bjhl", "北京恒力股份有限公司"),  # initials of the name
            ("chongqing", "重庆长安机械有限公司"),  # full pinyin, the polyphone 重 read chóng
            ("ChangAn", "重庆长安机械有限公司"),
            ("xin rui", "杭州新锐电子有限公司"),
            ("華瑞", "安徽华瑞化工有限公司"),  # traditional
            ("新锐", "杭州新锐电子有限公司"),
            ("zeta", "Zeta精密科技有限公司"),
            ("gxkh", "上海共享客户有限公司"),
        ],
    )
    def test_search(self, client_for, salesperson, customers, q, expected):
        response = client_for(salesperson).get(reverse("visits:pick_customer"), {"q": q})
        assert rows(response) == [expected]

    def test_another_salespersons_customer_is_not_found(self, client_for, salesperson, customers):
        assert rows(client_for(salesperson).get(reverse("visits:pick_customer"), {"q": "bieren"})) == []

    def test_all_customers_paged_and_query_count_pinned(
        self, client_for, salesperson, django_assert_max_num_queries
    ):
        for i in range(104):
            CustomerFactory(name=f"测试{i:03d}号客户有限公司", short_name=f"测试{i:03d}", owner=salesperson)
        client = client_for(salesperson)
        seen = []
        for page in (1, 2, 3, 4):
            with django_assert_max_num_queries(8):
                response = client.get(reverse("visits:pick_customer"), {"page": page})
            seen += rows(response)
        assert len(seen) == 104 and len(set(seen)) == 104 and seen == sorted(seen)

    @pytest.mark.parametrize("page", ["-1", "abc", "999999999999999999999", "\x00"])
    def test_bad_query_strings(self, client_for, salesperson, customers, page):
        client = client_for(salesperson)
        # A NUL byte anywhere in the query string is a 400 page (BadQueryStringMiddleware); the rest a page.
        expected = 400 if "\x00" in page else 200
        assert (
            client.get(reverse("visits:pick_customer"), {"page": page, "q": "恒力"}).status_code == expected
        )
        assert client.get(reverse("visits:pick_customer"), {"page": page, "q": "\x00"}).status_code == 400

    def test_htmx_swaps_only_the_results(self, client_for, salesperson, customers):
        response = client_for(salesperson).get(
            reverse("visits:pick_customer"), {"q": "hlgf"}, HTTP_HX_REQUEST="true"
        )
        html = response.content.decode()
        assert html.lstrip().startswith('<div id="pick-results">') and "<html" not in html
        assert len(re.findall('data-testid="pick-row"', html)) == 1 and "恒力股份" in html


@pytest.mark.django_db
def test_admin_autocomplete_and_search_match_pinyin(client_for, manager, salesperson, customers):
    client = client_for(manager)
    response = client.get(reverse("admin:customers_customer_changelist"), {"q": "hlgf"})
    assert [c.name for c in response.context["cl"].result_list] == ["北京恒力股份有限公司"]
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "customers",
            "model_name": "contact",
            "field_name": "customer",
            "term": "chongqing",
        },
    )
    assert [r["text"] for r in response.json()["results"]] == ["重庆长安机械有限公司"]


@pytest.mark.django_db
def test_complaint_list_search_matches_initials(client_for, salesperson, customers):
    from complaints import services

    services.ticket_create(
        actor=salesperson,
        customer_id=customers[1].pk,
        channel="phone",
        complaint_type="quality",
        description="x",
    )
    response = client_for(salesperson).get(reverse("complaints:list"), {"q": "hlgf"})
    assert response.status_code == 200 and "恒力" in response.content.decode()
    response = client_for(salesperson).get(reverse("complaints:list"), {"q": "cqca"})
    assert "恒力" not in response.content.decode()
