"""With ALLOWED_EMAIL_DOMAINS, a sign-up proves it holds the address before the account can sign in."""

import re
import time
from unittest import mock

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core import mail, signing
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import services

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "An0ther-long-passphrase"


@pytest.fixture
def domains(settings):
    settings.ALLOWED_EMAIL_DOMAINS = ["corp.example"]
    settings.DOLLY_SITE_URL = "https://dolly.corp.example"
    return settings


@pytest.fixture
def sign_up(django_capture_on_commit_callbacks):
    """Sign up through the page; the e-mail leaves once the account is committed."""

    def post(client, username="payroll", email="payroll@corp.example"):
        data = {"username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("signup"), data, HTTP_HOST="evil.example")

    return post


def link_path(message):
    link = re.search(r"https://dolly\.corp\.example(/accounts/signup/confirm/[^/\s]+/)", message.body)
    assert link, message.body
    return link.group(1)


def signed_in(client):
    return SESSION_KEY in client.session


def test_a_sign_up_cannot_sign_in_before_opening_the_link(client, domains, settings, sign_up):
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]
    response = sign_up(client)
    assert response.status_code == 302 and response.url == reverse("signup-sent")
    assert not signed_in(client)
    assert not User.objects.get(username="payroll").is_active
    assert "payroll@corp.example" in client.get(reverse("signup-sent")).content.decode()

    (message,) = mail.outbox
    assert message.to == ["payroll@corp.example"]
    assert "evil.example" not in message.body, "the link is built on DOLLY_SITE_URL, not the Host header"

    refused = client.post(reverse("login"), {"username": "payroll", "password": PASSWORD})
    assert not signed_in(client)
    assert "Confirm your e-mail address first" in refused.content.decode()
    assert APIClient().post("/api/v1/auth/token/", {"username": "payroll", "password": PASSWORD}).status_code == 400


def test_opening_the_link_changes_nothing_until_the_button_is_pressed(client, domains, settings, sign_up):
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]
    sign_up(client)
    path = link_path(mail.outbox[0])
    page = client.get(path)
    assert page.status_code == 200 and "payroll@corp.example" in page.content.decode()
    assert not User.objects.get(username="payroll").is_active, "a mail scanner opening the link confirms nothing"
    response = client.post(path, {"action": "confirm"})
    assert response.status_code == 302 and response.url == reverse("home")
    assert signed_in(client)
    assert User.objects.get(username="payroll").is_active
    client.post(reverse("logout"))
    assert client.post(reverse("login"), {"username": "payroll", "password": PASSWORD}).status_code == 302


def test_an_expired_link_is_refused_and_a_new_one_can_be_sent(client, domains, settings, sign_up):
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]
    past = signing.b62_encode(int(time.time()) - (settings.SIGNUP_CONFIRMATION_HOURS + 1) * 3600)
    with mock.patch.object(signing.TimestampSigner, "timestamp", lambda self: past):
        sign_up(client)
    old = link_path(mail.outbox[0])
    response = client.post(old, {"action": "confirm"})
    assert response.status_code == 400
    assert 'data-reason="expired"' in response.content.decode()
    assert not User.objects.get(username="payroll").is_active
    resend = client.post(old, {"action": "resend"})
    assert resend.status_code == 302 and resend.url == reverse("signup-sent")
    assert len(mail.outbox) == 2
    assert client.post(link_path(mail.outbox[1]), {"action": "confirm"}).status_code == 302
    assert User.objects.get(username="payroll").is_active


@pytest.mark.parametrize("tamper", [lambda t: t[:-2] + "xx", lambda t: "x" + t, lambda t: "not-a-link"])
def test_a_tampered_link_is_refused(client, domains, tamper):
    user = services.user_sign_up(username="payroll", email="payroll@corp.example", password=PASSWORD)
    token = tamper(services.confirmation_token(user=user))
    response = client.post(reverse("signup-confirm", kwargs={"token": token}), {"action": "confirm"})
    assert response.status_code == 400
    assert 'data-reason="invalid"' in response.content.decode()
    user.refresh_from_db()
    assert not user.is_active


def test_a_link_does_not_reactivate_an_account_an_admin_deactivated(client, domains):
    user = services.user_sign_up(username="payroll", email="payroll@corp.example", password=PASSWORD)
    path = reverse("signup-confirm", kwargs={"token": services.confirmation_token(user=user)})
    assert client.post(path, {"action": "confirm"}).status_code == 302
    client.post(reverse("logout"))
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = client.post(path, {"action": "confirm"})
    assert response.status_code == 400
    assert not User.objects.get(pk=user.pk).is_active


def test_a_link_for_an_address_that_changed_is_refused(client, domains):
    user = services.user_sign_up(username="payroll", email="payroll@corp.example", password=PASSWORD)
    path = reverse("signup-confirm", kwargs={"token": services.confirmation_token(user=user)})
    User.objects.filter(pk=user.pk).update(email="someone.else@corp.example")
    assert client.post(path, {"action": "confirm"}).status_code == 400
    assert not User.objects.get(pk=user.pk).is_active


def test_without_allowed_domains_sign_up_signs_in_at_once(client, settings):
    settings.ALLOWED_EMAIL_DOMAINS = []
    response = client.post(
        reverse("signup"),
        {"username": "newcomer", "email": "n@anywhere.test", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.url == reverse("home")
    assert signed_in(client)
    assert mail.outbox == []
