import pytest
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from pytest_django.plugin import blocking_manager_key
from rest_framework.test import APIClient

from leaderboard.services import counting

from .factories import AdminFactory, DemonstrationFactory, ReviewerFactory, UserFactory
from .oidc_provider import oidc_provider, sso_settings  # noqa: F401


def _restores_the_snapshot(item):
    """Whether ``item`` starts from the migrated database's snapshot (a serialized rollback), asked
    for by the ``django_db(serialized_rollback=True)`` marker or by the ``django_db_serialized_rollback``
    fixture (every browser test, through ``tests/e2e/conftest.py``)."""
    marker = item.get_closest_marker("django_db")
    if marker and marker.kwargs.get("serialized_rollback"):
        return True
    return "django_db_serialized_rollback" in getattr(item, "fixturenames", ())


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before a test that restores the migrated database's snapshot, empty the tables.

    A transactional test without a snapshot ends with a flush that re-creates the content types
    (in another order, so with other ids), and the snapshot's rows would collide with them.  This
    is the one place that empties them, for the marker and the fixture alike.
    """
    if not _restores_the_snapshot(item):
        return
    if getattr(connections[DEFAULT_DB_ALIAS], "_test_serialized_contents", None) is None:
        return  # the test database is not created yet: it is still exactly the snapshot
    with item.config.stash[blocking_manager_key].unblock():
        call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True)


@pytest.fixture(autouse=True)
def _forget_counting_contests():
    """Each test makes its own contests: those an earlier test's awards remembered never count."""
    counting.forget_all()


@pytest.fixture
def user(db):
    return UserFactory(username="alice")


@pytest.fixture
def other_user(db):
    return UserFactory(username="mallory")


@pytest.fixture
def reviewer(db):
    return ReviewerFactory(username="rita")


@pytest.fixture
def admin_user(db):
    return AdminFactory(username="ada")


@pytest.fixture
def client_for(client):
    """A test client signed in as the given user."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def api_for():
    def sign_in(user=None):
        api = APIClient()
        if user is not None:
            api.force_authenticate(user)
        return api

    return sign_in


@pytest.fixture
def demonstration_factory(db):
    return DemonstrationFactory


from .s3 import s3_bucket, s3_server, s3_storage  # noqa: E402,F401 - fixtures for every test folder
