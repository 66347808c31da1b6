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


@override_settings(POLICY_CACHE_SECONDS=60)
def test_a_deleted_policy_is_forgotten():
    ArchivePolicy.load()
    assert ArchivePolicy in _policy_cache
    ArchivePolicy.objects.get().delete()
    assert ArchivePolicy not in _policy_cache


def test_other_models_are_deleted_in_one_statement(django_assert_num_queries):
    """The cache's receivers listen to the policies only: a delete of staged import rows is one
    DELETE, not a SELECT of every row first (the import's confirm, bench)."""
    from customers.models import ImportJob, ImportRow
    from tests.factories import UserFactory

    job = ImportJob.objects.create(user=UserFactory(), kind="customers", file_name="x.xlsx")
    ImportRow.objects.bulk_create(ImportRow(job=job, number=n, action="create") for n in range(2, 12))
    with django_assert_num_queries(1):
        assert job.rows.all().delete()[0] == 10
