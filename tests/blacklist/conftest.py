"""Blacklist fixtures: entries driven through the services, the way people create them."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from blacklist import services

SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=10):
    return datetime(y, m, d, h, tzinfo=SH)


@pytest.fixture
def report_entry(manager):
    def make(customer, *, actor=None, reason="长期拖欠货款", loss=100_000, now=None, **kw):
        return services.blacklist_entry_report(
            actor=actor or manager,
            customer_id=customer.pk,
            reason_category="payment",
            reason=reason,
            loss_amount=loss,
            now=now,
            **kw,
        )

    return make


@pytest.fixture
def active_entry(report_entry, gm_office):
    def make(customer, *, reporter=None, now=None, ends_on=None, **kw):
        entry = report_entry(customer, actor=reporter, now=now, **kw)
        return services.blacklist_entry_approve(actor=gm_office, entry_id=entry.pk, ends_on=ends_on, now=now)

    return make
