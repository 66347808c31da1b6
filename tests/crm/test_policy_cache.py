"""SingletonPolicy.load keeps the policy row per process (bench finding 3), forgotten on save."""

import pytest
from django.test import override_settings

from crm.models import _policy_cache
from customers.models import ArchivePolicy

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    _policy_cache.clear()
    yield
    _policy_cache.clear()  # rows of a rolled-back test must not outlive it


@override_settings(POLICY_CACHE_SECONDS=60)
def test_a_policy_is_read_once_then_forgotten_when_saved(django_assert_num_queries):
    ArchivePolicy.load()
    with django_assert_num_queries(0):
        first = ArchivePolicy.load()
    first.update_interval_months = 99  # a caller's change never alters the cached copy
    assert ArchivePolicy.load().update_interval_months != 99
    policy = ArchivePolicy.load()
    policy.update_interval_months = 3
    policy.save()
    with django_assert_num_queries(1):
        assert ArchivePolicy.load().update_interval_months == 3


@override_settings(POLICY_CACHE_SECONDS=0)
def test_without_the_cache_every_load_reads_the_row(django_assert_num_queries):
    ArchivePolicy.load()
    with django_assert_num_queries(1):
        ArchivePolicy.load()
