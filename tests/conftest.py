"""Personas per role (style.md): salesperson, other_salesperson, assistant, manager, gm_office."""

import os

import pytest

from crm.models import Role

from .factories import CustomerFactory, DepartmentFactory, UserFactory

# Playwright runs its own event loop; Django must allow sync DB calls from the test thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def east(db):
    return DepartmentFactory(name="华东销售部", code="east")


@pytest.fixture
def south(db):
    return DepartmentFactory(name="华南销售部", code="south")


@pytest.fixture
def head_office(db):
    return DepartmentFactory(name="总经办", code="gmo", is_head_office=True)


@pytest.fixture
def salesperson(east):
    return UserFactory(username="sales1", full_name="张伟", role=Role.SALESPERSON, department=east)


@pytest.fixture
def other_salesperson(east):
    return UserFactory(username="sales2", full_name="李娜", role=Role.SALESPERSON, department=east)


@pytest.fixture
def south_salesperson(south):
    return UserFactory(username="sales_s", full_name="王芳", role=Role.SALESPERSON, department=south)


@pytest.fixture
def assistant(east):
    return UserFactory(username="assistant1", full_name="刘洋", role=Role.ASSISTANT, department=east)


@pytest.fixture
def manager(east):
    return UserFactory(username="manager1", full_name="陈静", role=Role.MANAGER, department=east)


@pytest.fixture
def south_manager(south):
    return UserFactory(username="manager_s", full_name="杨帆", role=Role.MANAGER, department=south)


@pytest.fixture
def gm_office(head_office):
    return UserFactory(username="gm1", full_name="赵总", role=Role.GM_OFFICE, department=head_office)


@pytest.fixture
def administrator(db):
    return UserFactory(
        username="admin1", full_name="管理员", role=Role.ADMIN, department=None, is_superuser=True
    )


@pytest.fixture
def customer(salesperson):
    """An active grade-C customer owned by `salesperson` in 华东销售部."""
    return CustomerFactory(name="上海恒力机械有限公司", short_name="恒力机械", owner=salesperson, grade="C")


@pytest.fixture
def other_customer(other_salesperson):
    return CustomerFactory(name="苏州华美电子有限公司", short_name="华美电子", owner=other_salesperson)


@pytest.fixture
def south_customer(south_salesperson):
    return CustomerFactory(
        name="广州南方化工有限公司", short_name="南方化工", owner=south_salesperson, province="广东省"
    )


@pytest.fixture
def client_for(client):
    """Log the test client in as a user: `client_for(salesperson)`."""

    def login(user):
        client.force_login(user)
        return client

    return login


def _rerun_data_migrations():
    """Re-run every RunPython operation of our migrations (they are idempotent).

    A transactional test (live_server, real concurrency) ends with a flush that also empties
    what data migrations wrote: the role groups and their permissions. Later tests on a
    reused database would then get 403 in the admin.
    """
    from django.apps import apps as global_apps
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations.special import RunPython

    loader = MigrationLoader(connection, ignore_no_migrations=True)
    ours = {
        "crm",
        "customers",
        "grading",
        "visits",
        "complaints",
        "blacklist",
        "sales",
        "engagement",
        "surveys",
        "reports",
    }
    plan = [key for key in loader.graph.nodes if key[0] in ours]
    order = [
        "crm",
        "customers",
        "grading",
        "blacklist",
        "visits",
        "complaints",
        "sales",
        "engagement",
        "surveys",
        "reports",
    ]
    for key in sorted(plan, key=lambda k: (order.index(k[0]), k[1])):
        migration = loader.graph.nodes[key]
        for op in migration.operations:
            if isinstance(op, RunPython):
                op.code(global_apps, connection.schema_editor)


@pytest.fixture(autouse=True)
def _restore_migration_data_after_flush(request):
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
        f in request.fixturenames for f in ("transactional_db", "live_server")
    )
    if transactional:
        # The previous transactional test's flush may come after its own restore (fixture
        # teardown order): a browser test on the admin then met no role permissions. So a
        # transactional test also restores the rows first (idempotent).
        request.getfixturevalue("transactional_db")
        _rerun_data_migrations()
    yield
    if transactional:
        _rerun_data_migrations()
