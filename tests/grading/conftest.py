"""Grading fixtures: a fixed clock, an A customer, figures, proposals."""

import importlib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from customers.models import YearlyFigure
from tests.factories import CustomerFactory

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 25, 9, 0, tzinfo=SH)


def grant_grading_permissions():
    """The role groups' grading permissions, as the data migration grants them.

    A transactional test (threads, browser) flushes every table, data migrations included;
    with --reuse-db the next run would otherwise start without them.
    """
    from django.apps import apps

    importlib.import_module("grading.migrations.0002_role_permissions").grant_permissions(apps, None)


@pytest.fixture(autouse=True)
def grading_permissions(db):
    grant_grading_permissions()


@pytest.fixture(autouse=True)
def english():
    """Assertions read the English source messages (the UI default is Chinese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def figures():
    def make(customer, *, year=2025, volume=0, pay=0, pick=0, receivables=0):
        return YearlyFigure.objects.create(
            customer=customer,
            year=year,
            business_volume=volume,
            overdue_payment_count=pay,
            overdue_pickup_count=pick,
            receivables=receivables,
        )

    return make


@pytest.fixture
def a_customer(salesperson):
    return CustomerFactory(name="宁波永盛贸易有限公司", short_name="永盛贸易", owner=salesperson, grade="A")


@pytest.fixture
def b_customer(salesperson):
    return CustomerFactory(name="杭州东方纺织有限公司", short_name="东方纺织", owner=salesperson, grade="B")
