"""Shared fixtures: offices, staff of two offices, a coordinator, and API clients for them.

Tasks enqueued by the code under test run in the test's own process (Celery's eager mode), so a
unit test sees their effects, e.g. the email in `mailoutbox`. Tests marked `real_worker` opt out:
they start real worker processes and prove the path through the broker.
"""

import weakref

import pytest
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db.backends.signals import connection_created
from django.utils import translation
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from config.celery import app as celery_app
from requests.models import StaffMember
from tests.factories.requests import OfficeFactory, StaffMemberFactory

# Property tests check what holds, not how fast: a per-example deadline fails them on a busy
# machine (speed lives in `make bench`).
hypothesis_settings.register_profile("lotse", deadline=None)
hypothesis_settings.load_profile("lotse")


def pytest_collection_modifyitems(items):
    """Every transactional test rolls back serialized, whether or not it asks to.

    The flush after a transactional test without it re-creates content types and permissions,
    and the next serialized test then restores them a second time and fails on their unique
    keys: which tests broke depended on the order they ran in. With all of them serialized the
    flush re-creates nothing, and every one finds the migrations' data (the skill catalogue).
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is not None and marker.kwargs.get("transaction"):
            kwargs = {**marker.kwargs, "serialized_rollback": True}
            item.add_marker(pytest.mark.django_db(*marker.args, **kwargs), append=False)


def _let_flush_empty_the_audit_trail() -> None:
    """On SQLite, Django empties tables between transactional tests with DELETE (PostgreSQL's
    TRUNCATE fires no row trigger), which the audit trail's delete trigger refuses for recent
    entries. The test database drops that one trigger; tests/volunteers/test_audit_triggers.py
    checks it on a SQLite database migrated for the purpose."""
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS lotse_audit_no_delete")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test databases, and before they are dropped, every connection a test
    opened is closed: one opened in another thread or context (a live server's, Playwright's)
    would otherwise keep PostgreSQL from dropping the database at the end of the run."""
    opened: weakref.WeakSet = weakref.WeakSet()

    def remember(sender, connection, **kwargs):
        opened.add(connection)

    connection_created.connect(remember, weak=False, dispatch_uid="tests-remember-connections")
    with django_db_blocker.unblock():
        _let_flush_empty_the_audit_trail()
    yield
    connection_created.disconnect(dispatch_uid="tests-remember-connections")
    for wrapper in list(opened):
        # The driver's own connection (closing twice is harmless): Django's close() refuses one
        # made in another thread.
        if wrapper.connection is not None:
            wrapper.connection.close()


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """Passwords are still hashed with Argon2, the configured hasher, but with its smallest
    costs: at the production costs every test user and every login with a password took about
    a third of a second of CPU, a large share of the suite's time. The costs are stored in each
    hash, so a hash made here verifies anywhere; tests of the configuration read the settings,
    which stay as they are."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Argon2PasswordHasher, "time_cost", 1)
        patch.setattr(Argon2PasswordHasher, "memory_cost", 64)
        patch.setattr(Argon2PasswordHasher, "parallelism", 1)
        yield


@pytest.fixture(autouse=True)
def tasks_in_process(request):
    if request.node.get_closest_marker("real_worker"):
        yield
        return
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = False
        celery_app.conf.task_eager_propagates = False


@pytest.fixture(autouse=True)
def site_language():
    """Every test starts in the site's language (German), whatever a test before activated:
    a request handled in English leaves English active in the thread that served it."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def no_saved_acceptance_model(settings, tmp_path_factory):
    """Every test starts without a learned acceptance model: ranking uses the prior unless the
    test trains one (into its own empty directory, never the developer's var/models)."""
    settings.MATCHING_MODEL_DIR = tmp_path_factory.mktemp("models")


@pytest.fixture
def office_a(db):
    return OfficeFactory(name="Büro A", postcode="44357", districts=["Mengede", "Huckarde"])


@pytest.fixture
def office_b(db):
    return OfficeFactory(name="Büro B", postcode="44263", districts=["Hörde"])


@pytest.fixture
def staff_a(office_a):
    return StaffMemberFactory(offices=[office_a])


@pytest.fixture
def staff_b(office_b):
    return StaffMemberFactory(offices=[office_b])


@pytest.fixture
def coordinator(db):
    return StaffMemberFactory(role=StaffMember.Role.COORDINATOR)


def _client_for(member: StaffMember) -> APIClient:
    client = APIClient()
    client.force_authenticate(member.user)
    return client


@pytest.fixture
def api_a(staff_a):
    return _client_for(staff_a)


@pytest.fixture
def api_b(staff_b):
    return _client_for(staff_b)


@pytest.fixture
def api_coordinator(coordinator):
    return _client_for(coordinator)


@pytest.fixture
def api_anonymous():
    return APIClient()
