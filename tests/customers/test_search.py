"""The customer search gives the same customers on SQLite and PostgreSQL (issue 21).

On PostgreSQL the search indexes narrow the rows first (crm.db.search_prefilter: trigrams for
three characters and more, bigrams for two); the exact condition decides alone. Each case
below is a kind of term the bench measures (two Chinese characters, three or more, Latin
letters, pinyin initials, a mobile, a credit code) plus the edges of the prefilter (one
character, mixed case, a term across two columns, a traditional character), as a
salesperson and as 总经办, with hits and without. Run it on both databases (CI does).
"""

import pytest

from customers import selectors
from customers.models import CustomerShare
from tests.factories import ContactFactory, CustomerFactory, make_credit_code


@pytest.fixture
def world(salesperson, other_salesperson, south_salesperson):
    mine = CustomerFactory(name="上海恒力机械有限公司", short_name="恒力机械", owner=salesperson)
    shared = CustomerFactory(name="Hengli Trading 贸易公司", short_name="HLT", owner=other_salesperson)
    CustomerShare.objects.create(customer=shared, user=salesperson)
    theirs = CustomerFactory(name="苏州恒力电子有限公司", short_name="恒力电子", owner=other_salesperson)
    south = CustomerFactory(
        name="广州凤凰科技有限公司",
        short_name="凤凰",
        owner=south_salesperson,
        credit_code=make_credit_code(777),
    )
    ContactFactory(customer=mine, name="周杰", mobile="13912345678")
    ContactFactory(customer=theirs, name="恒力", mobile="13700000001")
    ContactFactory(customer=south, name="李凤凰", mobile="13600000002")
    return {"mine": mine, "shared": shared, "theirs": theirs, "south": south}


def found(user, q):
    qs = selectors.customer_search(selectors.customer_list_for(user), q, user=user)
    return {c.name for c in qs}


CASES = [
    # term, the salesperson's hits, 总经办's hits (keys of `world`)
    ("恒力", {"mine"}, {"mine", "theirs"}),
    ("恒力机械", {"mine"}, {"mine"}),
    ("凤凰科技", set(), {"south"}),
    ("凤凰", set(), {"south"}),
    ("hengli", {"mine", "shared"}, {"mine", "shared", "theirs"}),
    ("HENGLI", {"mine", "shared"}, {"mine", "shared", "theirs"}),
    ("hljx", {"mine"}, {"mine"}),
    ("hl", {"mine", "shared"}, {"mine", "shared", "theirs"}),
    ("13912345678", {"mine"}, {"mine"}),
    ("139 1234", {"mine"}, {"mine"}),
    ("13600000002", set(), {"south"}),
    ("13999999999", set(), set()),
    ("周杰", {"mine"}, {"mine"}),
    ("恆力", {"mine"}, {"mine", "theirs"}),
    ("恒", {"mine"}, {"mine", "theirs"}),
    ("司\n恒", set(), set()),
    ("xyzzyq", set(), set()),
    ("qqzx", set(), set()),
    ("机械有限公司恒力", set(), set()),
    ("50%", set(), set()),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("q", "sales_hits", "gm_hits"), CASES)
def test_search_kinds(world, salesperson, gm_office, q, sales_hits, gm_hits):
    assert found(salesperson, q) == {world[k].name for k in sales_hits}
    assert found(gm_office, q) == {world[k].name for k in gm_hits}


@pytest.mark.django_db
def test_search_by_credit_code_prefix(world, salesperson, gm_office):
    code = world["south"].credit_code
    assert found(gm_office, code) == {world["south"].name}
    assert found(gm_office, code[:8]) >= {world["south"].name}
    assert found(salesperson, code) == set()
    assert found(gm_office, make_credit_code(999_999)) == set()


@pytest.mark.django_db
def test_search_follows_an_edited_name(world, gm_office):
    """The indexes are over expressions of the row: an edit is found at once, no key to refresh."""
    south = world["south"]
    south.short_name = "金凤凰"
    south.save()
    assert found(gm_office, "金凤") == {south.name}
