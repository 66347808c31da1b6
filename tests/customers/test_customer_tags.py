"""{% customer_name %} and {% customer_badges %}: the one way a customer is named (issues 14.3,
14.14), as tags (issue 21). Markup pinned: the browser tests and the trust tests read it."""

import datetime as dt

from django.template import Context, Template
from django.utils import translation

from customers.models import Customer
from customers.templatetags.customer_tags import customer_badges, customer_name


def _c(**kw):
    return Customer(
        **{"name": "杭州万向&精工有限公司", "short_name": "", "grade": "", "tier": "ordinary", **kw}
    )


def test_the_short_name_with_the_full_name_beside_it_escaped():
    c = _c(short_name="万向<b>")
    assert str(customer_name(c, nobadge=True)) == (
        '<span class="customer-name"><span class="fw-semibold">万向&lt;b&gt;</span> '
        '<small class="text-body-secondary customer-fullname">杭州万向&amp;精工有限公司</small></span>'
    )
    assert str(customer_name(c, full=True, nobadge=True)) == (
        '<span class="customer-name"><span class="fw-semibold">杭州万向&amp;精工有限公司</span></span>'
    )


def test_grade_tier_and_blacklist_marks_in_chinese_and_english():
    c = _c(
        grade="A",
        grade_provisional=True,
        tier="strategic",
        is_blacklisted=True,
        blacklisted_until=dt.date(2027, 3, 1),
    )
    with translation.override("zh-hans"):
        html = str(customer_badges(c))
    assert html == (
        '<span class="badge grade-badge grade-A" title="等级 (暂定)">A<sup>*</sup></span>'
        ' <span class="badge tier-badge tier-strategic bg-primary" data-testid="tier-badge" title="客户层级">战略合作伙伴</span>'
        ' <span class="badge badge-blacklist" data-testid="blacklist-mark" title="黑名单有效至 2027-03-01">黑名单</span>'
    )
    with translation.override("en"):
        assert 'title="Blacklisted until 2027-03-01">Blacklisted</span>' in str(customer_badges(c))
    assert str(customer_badges(_c())) == ""  # 一般客户 without a grade: no mark
    assert "bg-info text-dark" in str(customer_badges(_c(tier="key")))
    assert 'title="">' in str(customer_badges(_c(is_blacklisted=True)))  # no end date: no title


def test_the_tags_in_a_template():
    c = _c(short_name="万向", grade="B")
    html = Template("{% load customer_tags %}{% customer_name c %}|{% customer_badges c %}").render(
        Context({"c": c})
    )
    name, badges = html.split("|")
    assert name.endswith(f" {badges}</span>") and "grade-B" in badges
