import pytest
from rest_framework.test import APIClient

from .factories import AdminFactory, DemonstrationFactory, ReviewerFactory, UserFactory
from .oidc_provider import oidc_provider, sso_settings  # noqa: F401


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
