"""Sign-in is throttled per username (from any address) and per client address (for any username)."""

import pytest
from axes.models import AccessAttempt
from django.test import override_settings
from django.urls import reverse

from tests.factories import UserFactory

PASSWORD = "a-long-enough-passphrase"


@pytest.fixture
def alice(db):
    user = UserFactory(username="alice-t")
    user.set_password(PASSWORD)
    user.save()
    return user


def _login(client, username, password, address):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def _signed_in(client):
    return "_auth_user_id" in client.session


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_username_is_locked_after_failures_from_many_addresses(client, alice):
    for n in range(3):
        _login(client, "alice-t", "wrong", f"192.0.2.{n + 1}")
    response = _login(client, "alice-t", PASSWORD, "198.51.100.7")
    assert response.status_code == 429
    assert not _signed_in(client)
    assert "Too many failed sign-in attempts" in response.content.decode()


@override_settings(AXES_FAILURE_LIMIT=3, LOGIN_IP_FAILURE_LIMIT=6)
def test_an_address_is_locked_after_failures_for_many_usernames(client, alice):
    for n in range(6):
        _login(client, f"someone-{n}", "wrong", "192.0.2.50")
    assert _login(client, "alice-t", PASSWORD, "192.0.2.50").status_code == 429
    assert not _signed_in(client)
    response = _login(client, "alice-t", PASSWORD, "192.0.2.51")
    assert response.status_code == 302
    assert _signed_in(client)


@override_settings(AXES_FAILURE_LIMIT=3, LOGIN_IP_FAILURE_LIMIT=6)
def test_below_the_address_limit_other_users_on_that_address_still_sign_in(client, alice):
    for n in range(5):
        _login(client, f"someone-{n}", "wrong", "192.0.2.60")
    assert _login(client, "alice-t", PASSWORD, "192.0.2.60").status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3, LOGIN_IP_FAILURE_LIMIT=6)
def test_signing_in_to_ones_own_account_does_not_clear_the_address_count(client, alice):
    for n in range(4):
        _login(client, f"victim-{n}", "wrong", "192.0.2.70")
    assert _login(client, "alice-t", PASSWORD, "192.0.2.70").status_code == 302
    client.logout()
    assert AccessAttempt.objects.filter(ip_address="192.0.2.70").count() == 4
    for n in range(2):
        _login(client, f"victim-{n + 4}", "wrong", "192.0.2.70")
    assert _login(client, "alice-t", PASSWORD, "192.0.2.70").status_code == 429


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_successful_sign_in_clears_that_usernames_failures(client, alice):
    for _ in range(2):
        _login(client, "alice-t", "wrong", "192.0.2.80")
    assert _login(client, "alice-t", PASSWORD, "192.0.2.80").status_code == 302
    client.logout()
    for _ in range(2):
        _login(client, "alice-t", "wrong", "192.0.2.80")
    assert _login(client, "alice-t", PASSWORD, "192.0.2.80").status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3)
def test_the_api_token_endpoint_is_throttled_too(client, alice):
    url = reverse("api:api-token-obtain")
    for n in range(3):
        client.post(url, {"username": "alice-t", "password": "wrong"}, REMOTE_ADDR=f"192.0.2.{n + 90}")
    response = client.post(url, {"username": "alice-t", "password": PASSWORD}, REMOTE_ADDR="198.51.100.9")
    assert response.status_code in (403, 429)
    assert "token" not in response.content.decode()
