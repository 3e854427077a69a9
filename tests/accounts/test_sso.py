"""Single sign-on against a real OpenID Connect provider process on 127.0.0.1 (tests/oidc_provider.py)."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth import SESSION_KEY, get_user_model
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from accounts.models import SSOIdentity
from accounts.permissions import is_admin, is_reviewer
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "pass-for-tests-1"


def ada(**claims):
    return {
        "email": "ada@corp.example",
        "email_verified": True,
        "preferred_username": "ada",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "groups": ["staff", "dolly-reviewers"],
    } | claims


def start(client, next_url=None):
    response = client.get(reverse("sso-login"), {"next": next_url} if next_url else {})
    assert response.status_code == 302
    return response["Location"]


def authorize(location, sub, action=None):
    """Answer the provider's authorisation form as a person would; return the callback path."""
    assert requests.get(location, timeout=10).status_code == 200
    data = {"action": action} if action else {"sub": sub}
    answer = requests.post(location, data=data, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    callback = urlsplit(answer.headers["Location"])
    assert callback.path == reverse("sso-callback")
    return f"{callback.path}?{callback.query}"


def sign_in(client, provider, sub="ada-sub", next_url=None, **claims):
    provider.set_user(sub, **claims)
    return client.get(authorize(start(client, next_url), sub))


def signed_in_as(client):
    user_id = client.session.get(SESSION_KEY)
    return User.objects.get(pk=user_id) if user_id else None


def test_first_sign_in_creates_the_account_with_the_role_from_the_groups(client, sso_settings, oidc_provider):
    response = sign_in(client, oidc_provider, **ada())
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    user = signed_in_as(client)
    assert (user.username, user.email, user.first_name, user.last_name) == (
        "ada",
        "ada@corp.example",
        "Ada",
        "Lovelace",
    )
    assert is_reviewer(user) and not is_admin(user)
    assert not user.has_usable_password()
    identity = SSOIdentity.objects.get(user=user)
    assert (identity.issuer, identity.subject) == (oidc_provider.url, "ada-sub")
    assert client.get(reverse("home")).status_code == 200


def test_later_sign_ins_update_name_email_and_roles(client, sso_settings, oidc_provider):
    sign_in(client, oidc_provider, **ada())
    client.post(reverse("logout"))
    sign_in(client, oidc_provider, **ada(email="ada.king@corp.example", family_name="King", groups=["dolly-admins"]))
    user = signed_in_as(client)
    assert (user.email, user.last_name, user.username) == ("ada.king@corp.example", "King", "ada")
    assert is_admin(user) and user.is_staff
    client.post(reverse("logout"))
    sign_in(client, oidc_provider, **ada(email="ada.king@corp.example", groups=[]))
    user = signed_in_as(client)
    assert not is_reviewer(user) and not user.is_staff and not user.is_superuser
    assert User.objects.count() == 1


def test_an_address_outside_the_allowed_domains_is_refused_with_a_clear_page(client, sso_settings, oidc_provider):
    response = sign_in(client, oidc_provider, sub="eve-sub", **ada(email="eve@gmail.example"))
    assert response.status_code == 403
    page = response.content.decode()
    assert "eve@gmail.example" in page and "corp.example" in page
    assert 'data-reason="domain"' in page
    assert signed_in_as(client) is None
    assert not User.objects.exists()


@pytest.mark.parametrize("verified", [False, "false", None])
def test_an_unverified_address_is_refused(client, sso_settings, oidc_provider, verified):
    claims = ada(email_verified=verified)
    if verified is None:
        del claims["email_verified"]
    response = sign_in(client, oidc_provider, **claims)
    assert response.status_code == 403
    assert 'data-reason="unverified"' in response.content.decode()
    assert signed_in_as(client) is None
    assert not User.objects.exists()


def test_the_refusal_page_is_translated(sso_settings, oidc_provider):
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    response = sign_in(client, oidc_provider, **ada(email_verified=False))
    assert response.status_code == 403
    with translation.override("fr"):
        assert translation.gettext("You could not be signed in") in response.content.decode()
    assert response["Content-Language"] == "fr"


def test_an_existing_account_with_the_address_is_signed_in_not_duplicated(client, sso_settings, oidc_provider):
    existing = UserFactory(username="alovelace", email="Ada@Corp.example")
    sign_in(client, oidc_provider, **ada())
    assert signed_in_as(client) == existing
    assert User.objects.count() == 1
    assert SSOIdentity.objects.get(subject="ada-sub").user == existing


def test_a_username_already_taken_or_confusable_gets_a_suffix(client, sso_settings, oidc_provider):
    UserFactory(username="\u0430da", email="someone@corp.example")
    sign_in(client, oidc_provider, **ada())
    assert signed_in_as(client).username == "ada-2"


def test_names_from_the_provider_lose_hidden_characters(client, sso_settings, oidc_provider):
    sign_in(client, oidc_provider, **ada(given_name="A\u202eda\x1b", preferred_username="ada\u200b"))
    user = signed_in_as(client)
    assert (user.first_name, user.username) == ("Ada", "ada")


def test_a_deactivated_account_is_refused(client, sso_settings, oidc_provider):
    sign_in(client, oidc_provider, **ada())
    User.objects.update(is_active=False)
    client.post(reverse("logout"))
    response = sign_in(client, oidc_provider, **ada())
    assert response.status_code == 403
    assert 'data-reason="disabled"' in response.content.decode()
    assert signed_in_as(client) is None


def test_denying_at_the_provider_lands_on_the_refusal_page(client, sso_settings, oidc_provider):
    response = client.get(authorize(start(client), "ada-sub", action="deny"))
    assert response.status_code == 403
    assert 'data-reason="cancelled"' in response.content.decode()


def test_a_replayed_callback_is_refused(client, sso_settings, oidc_provider):
    oidc_provider.set_user("ada-sub", **ada())
    callback = authorize(start(client), "ada-sub")
    assert client.get(callback).status_code == 302
    client.post(reverse("logout"))
    replay = client.get(callback)
    assert replay.status_code == 403
    assert signed_in_as(client) is None


def test_the_next_page_is_kept_and_foreign_ones_are_not(client, sso_settings, oidc_provider):
    response = sign_in(client, oidc_provider, next_url=reverse("demonstration-list"), **ada())
    assert response["Location"] == reverse("demonstration-list")
    client.post(reverse("logout"))
    response = sign_in(client, oidc_provider, next_url="https://evil.example/", **ada())
    assert response["Location"] == reverse("home")


def test_the_request_carries_state_nonce_and_pkce(client, sso_settings, oidc_provider):
    query = parse_qs(urlsplit(start(client)).query)
    assert query["client_id"] == ["dolly-collect"]
    assert query["scope"] == ["openid email profile"]
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"][0] and query["nonce"][0]


def test_an_unreachable_provider_gives_a_503_page(client, sso_settings):
    from accounts import sso

    sso_settings.OIDC_ISSUER = "http://127.0.0.1:8149"
    sso._discovered.clear()
    response = client.get(reverse("sso-login"))
    assert response.status_code == 503
    assert 'data-reason="unavailable"' in response.content.decode()


def test_the_sign_in_page_offers_the_provider(client, sso_settings):
    page = client.get(reverse("login")).content.decode()
    assert reverse("sso-login") in page
    assert "Sign in with Example Corp" in page
    assert 'name="password"' in page


def test_without_configuration_there_is_no_single_sign_on(client, settings):
    assert not settings.SSO_ENABLED
    assert client.get(reverse("sso-login")).status_code == 404
    assert client.get(reverse("sso-callback"), {"code": "x", "state": "y"}).status_code == 404
    page = client.get(reverse("login")).content.decode()
    assert reverse("sso-login") not in page
    assert 'name="password"' in page and reverse("signup") in page


def test_password_sign_in_can_be_switched_off_everywhere(client, sso_settings, user):
    sso_settings.PASSWORD_LOGIN_ENABLED = False
    sso_settings.SIGNUP_ENABLED = False
    page = client.get(reverse("login")).content.decode()
    assert 'name="password"' not in page and reverse("signup") not in page
    assert reverse("sso-login") in page
    client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert signed_in_as(client) is None
    token = APIClient().post("/api/v1/auth/token/", {"username": "alice", "password": PASSWORD})
    assert token.status_code == 400
    admin_login = client.post("/admin/login/", {"username": "alice", "password": PASSWORD})
    assert signed_in_as(client) is None and admin_login.status_code == 200


def test_an_unconfirmed_sign_up_with_the_address_is_taken_over_and_its_password_dropped(
    client, sso_settings, oidc_provider
):
    from accounts import services

    squatter = services.user_sign_up(username="payroll", email="ada@corp.example", password="Squat-passw0rd-1")
    assert not squatter.is_active
    sign_in(client, oidc_provider, **ada())
    user = signed_in_as(client)
    assert user == squatter and user.is_active
    assert not user.has_usable_password(), "whoever signed up without confirming cannot use the password"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent sign-ins need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_first_sign_ins_of_one_person_at_once_give_one_account(sso_settings, oidc_provider):
    import threading

    oidc_provider.set_user("ada-sub", **ada())
    clients = [Client(), Client()]
    callbacks = [authorize(start(client), "ada-sub") for client in clients]
    barrier = threading.Barrier(2)
    statuses = []

    def finish(client, callback):
        try:
            barrier.wait(timeout=30)
            statuses.append(client.get(callback).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=finish, args=pair) for pair in zip(clients, callbacks, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [302, 302]
    assert User.objects.filter(email__iexact="ada@corp.example").count() == 1
    assert SSOIdentity.objects.count() == 1


def test_signing_out_of_a_single_sign_on_session_goes_on_to_the_providers_end_session(
    client, sso_settings, oidc_provider
):
    import html
    import re

    import jwt

    sso_settings.DOLLY_SITE_URL = "https://dolly.corp.example"
    sign_in(client, oidc_provider, **ada())
    id_token = client.session["oidc_id_token"]
    response = client.post(reverse("logout"))
    assert response.status_code == 200 and signed_in_as(client) is None
    provider_url = response.context["provider_url"]
    assert f'content="0;url={html.escape(provider_url)}"' in response.content.decode()
    parts = urlsplit(provider_url)
    query = parse_qs(parts.query)
    discovery = requests.get(f"{oidc_provider.url}/.well-known/openid-configuration", timeout=10).json()
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == discovery["end_session_endpoint"]
    assert query["id_token_hint"] == [id_token] and query["client_id"] == ["dolly-collect"]
    hint = jwt.decode(id_token, options={"verify_signature": False})
    assert hint["sub"] == "ada-sub" and hint["iss"] == oidc_provider.url
    assert query["post_logout_redirect_uri"] == ["https://dolly.corp.example" + reverse("login")]
    # The provider's end-session page, confirmed as a person would, sends them back to the site.
    page = requests.get(provider_url, timeout=10)
    assert page.status_code == 200 and "id_token_hint</code> not set" not in page.text
    action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
    redirect_uri = html.unescape(re.search(r'name="redirect_uri" value="([^"]+)"', page.text).group(1))
    back = requests.post(
        oidc_provider.url + action, data={"redirect_uri": redirect_uri}, allow_redirects=False, timeout=10
    )
    assert back.status_code == 302 and back.headers["Location"] == "https://dolly.corp.example" + reverse("login")


def test_signing_out_of_a_password_session_or_with_provider_logout_off_stays_on_the_site(
    client, sso_settings, oidc_provider
):
    client.force_login(UserFactory(username="bob"))
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    sign_in(client, oidc_provider, **ada())
    sso_settings.OIDC_LOGOUT_AT_PROVIDER = False
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert signed_in_as(client) is None


def test_a_configured_end_session_endpoint_is_used_and_an_unreachable_provider_signs_out_here(
    client, sso_settings, oidc_provider
):
    sign_in(client, oidc_provider, **ada())
    sso_settings.OIDC_OP_LOGOUT_ENDPOINT = "https://login.corp.example/logout?tenant=dolly"
    response = client.post(reverse("logout"))
    assert response.context["provider_url"].startswith("https://login.corp.example/logout?tenant=dolly&id_token_hint=")
    sign_in(client, oidc_provider, **ada())
    sso_settings.OIDC_OP_LOGOUT_ENDPOINT = ""
    sso_settings.OIDC_ISSUER = "http://127.0.0.1:9"  # nothing listens: discovery fails
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert signed_in_as(client) is None
