"""Accounts: sign-up by e-mail domain, sign-in and out, password change, API tokens, login throttling."""

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-for-tests-1"
NEW_PASSWORD = "An0ther-long-passphrase"


def signed_in(client):
    return SESSION_KEY in client.session


# Sign-up ---------------------------------------------------------------------------------------


def signup_data(**fields):
    return {
        "username": "newcomer",
        "email": "newcomer@corp.example",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    } | fields


def test_anyone_may_sign_up_when_no_domain_is_configured(client, settings):
    settings.ALLOWED_EMAIL_DOMAINS = []
    response = client.post(reverse("signup"), signup_data(email="someone@anywhere.test"))
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert get_user_model().objects.filter(username="newcomer").exists()
    assert signed_in(client)


@pytest.mark.parametrize("email", ["newcomer@corp.example", "newcomer@CORP.Example", "  newcomer@corp.example "])
def test_sign_up_with_an_allowed_domain(client, settings, email):
    settings.ALLOWED_EMAIL_DOMAINS = ["corp.example", "subsidiary.example"]
    response = client.post(reverse("signup"), signup_data(email=email))
    assert response.status_code == 302
    assert get_user_model().objects.get(username="newcomer").email.lower() == "newcomer@corp.example"


@pytest.mark.parametrize(
    "email",
    [
        "newcomer@gmail.com",
        "newcomer@evil-corp.example",
        "newcomer@sub.corp.example",
        "newcomer@corp.example.attacker.test",
    ],
)
def test_sign_up_with_another_domain_is_refused(client, settings, email):
    settings.ALLOWED_EMAIL_DOMAINS = ["corp.example"]
    response = client.post(reverse("signup"), signup_data(email=email))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["email"]
    assert "corp.example" in response.context["form"].errors["email"][0]
    assert not get_user_model().objects.filter(username="newcomer").exists()
    assert not signed_in(client)


def test_an_email_address_can_hold_only_one_account(client, settings, user):
    settings.ALLOWED_EMAIL_DOMAINS = []
    response = client.post(reverse("signup"), signup_data(email=user.email.upper()))
    assert list(response.context["form"].errors) == ["email"]


def test_weak_passwords_are_refused_at_sign_up(client):
    response = client.post(reverse("signup"), signup_data(password1="password", password2="password"))
    assert response.status_code == 200
    assert "password2" in response.context["form"].errors


def test_sign_up_can_be_switched_off(client, settings):
    settings.SIGNUP_ENABLED = False
    assert client.get(reverse("signup")).status_code == 404
    assert client.post(reverse("signup"), signup_data()).status_code == 404
    assert not get_user_model().objects.filter(username="newcomer").exists()


def test_the_sign_up_page_renders_and_sends_signed_in_people_home(client, user):
    assert client.get(reverse("signup")).status_code == 200
    client.force_login(user)
    assert client.get(reverse("signup")).url == reverse("home")


# Sign-in, sign-out, password change ------------------------------------------------------------


def test_the_login_page_signs_in_and_returns_to_next(client, user):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(
        reverse("login"), {"username": "alice", "password": PASSWORD, "next": reverse("demonstration-list")}
    )
    assert response.status_code == 302
    assert response.url == reverse("demonstration-list")
    assert signed_in(client)


def test_a_wrong_password_shows_an_error(client, user):
    response = client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not signed_in(client)


def test_logout_is_a_post_and_ends_the_session(client_for, user):
    client = client_for(user)
    assert client.get(reverse("logout")).status_code == 405
    assert signed_in(client)
    response = client.post(reverse("logout"))
    assert response.url == reverse("login")
    assert not signed_in(client)
    assert client.get(reverse("home")).status_code == 302


def test_logout_needs_the_csrf_token(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(reverse("logout")).status_code == 403
    assert signed_in(client)


def test_password_change(client_for, user):
    client = client_for(user)
    assert client.get(reverse("password_change")).status_code == 200
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.url == reverse("password_change_done")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert signed_in(client), "changing the password keeps this session"
    assert client.get(reverse("password_change_done")).status_code == 200


def test_password_change_needs_the_old_password(client_for, user):
    response = client_for(user).post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert "old_password" in response.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize("name", ["password_change", "api-token"])
def test_account_pages_need_a_signed_in_user(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# API token page --------------------------------------------------------------------------------


def authenticates(key):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api.get("/api/v1/demonstrations/").status_code == 200


def test_the_token_page_shows_the_token(client_for, user):
    response = client_for(user).get(reverse("api-token"))
    assert response.status_code == 200
    token = Token.objects.get(user=user)
    assert f'value="{token.key}"'.encode() in response.content
    assert authenticates(token.key)


def test_the_token_page_shows_the_same_token_until_rotated(client_for, user):
    client = client_for(user)
    client.get(reverse("api-token"))
    client.get(reverse("api-token"))
    assert Token.objects.filter(user=user).count() == 1


def test_rotating_the_token_invalidates_the_old_key(client_for, user):
    client = client_for(user)
    client.get(reverse("api-token"))
    old = Token.objects.get(user=user).key
    response = client.post(reverse("api-token"), follow=True)
    new = Token.objects.get(user=user).key
    assert new != old
    assert new.encode() in response.content
    assert not authenticates(old)
    assert authenticates(new)


def test_rotating_needs_the_csrf_token(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get(reverse("api-token"))
    old = Token.objects.get(user=user).key
    assert client.post(reverse("api-token")).status_code == 403
    assert Token.objects.get(user=user).key == old


# Login throttling ------------------------------------------------------------------------------


def test_repeated_failures_lock_the_account_out(client, user):
    limit = django_settings.AXES_FAILURE_LIMIT
    statuses = [
        client.post(reverse("login"), {"username": "alice", "password": f"guess-{n}"}).status_code for n in range(limit)
    ]
    assert statuses[:-1] == [200] * (limit - 1)
    assert statuses[-1] == 429
    locked = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert locked.status_code == 429
    assert b"Too many failed sign-in attempts" in locked.content
    assert not signed_in(client)


def test_a_lockout_does_not_block_other_accounts(client, user):
    UserFactory(username="bob")
    for n in range(django_settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "alice", "password": f"guess-{n}"})
    other = Client()
    response = other.post(reverse("login"), {"username": "bob", "password": PASSWORD})
    assert response.status_code == 302
    assert signed_in(other)


def test_failures_below_the_limit_do_not_lock(client, user):
    for n in range(django_settings.AXES_FAILURE_LIMIT - 1):
        client.post(reverse("login"), {"username": "alice", "password": f"guess-{n}"})
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert signed_in(client)


def test_the_token_endpoint_locks_out_with_429_too(user):
    api = APIClient()
    limit = django_settings.AXES_FAILURE_LIMIT
    statuses = [
        api.post("/api/v1/auth/token/", {"username": "alice", "password": f"guess-{n}"}, format="json").status_code
        for n in range(limit)
    ]
    assert statuses == [400] * (limit - 1) + [429]
    response = api.post("/api/v1/auth/token/", {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert "token" not in response.json()
    assert "Too many failed sign-in attempts" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0
    assert not Token.objects.filter(user=user).exists()


def test_the_web_and_the_token_endpoint_share_the_failure_count(client, user):
    api = APIClient()
    limit = django_settings.AXES_FAILURE_LIMIT
    for n in range(limit - 1):
        api.post("/api/v1/auth/token/", {"username": "alice", "password": f"guess-{n}"}, format="json")
    assert client.post(reverse("login"), {"username": "alice", "password": "last-guess"}).status_code == 429
