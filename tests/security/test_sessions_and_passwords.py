"""Sessions end, and weak passwords are refused at sign-up and password change."""

from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone


def test_sessions_are_stored_in_the_database_and_expire(client_for, user):
    assert issubclass(import_module(settings.SESSION_ENGINE).SessionStore, db.SessionStore)  # no cache in front
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
    client = client_for(user)
    assert client.get(reverse("demonstration-list")).status_code == 200
    session = Session.objects.get()
    assert session.expire_date <= timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE + 5)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("demonstration-list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_signing_out_ends_the_session_on_the_server(client_for, user):
    client = client_for(user)
    session_key = client.session.session_key
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=session_key).exists()
    assert client.get(reverse("demonstration-list")).status_code == 302


def test_signup_refuses_weak_passwords(client, db):
    for weak in ["password", "12345678", "newcomer1", "short"]:
        response = client.post(
            reverse("signup"),
            {
                "username": "newcomer",
                "email": "newcomer@example.com",
                "password1": weak,
                "password2": weak,
            },
        )
        assert response.status_code == 200, weak
        assert response.context["form"].errors.get("password2"), weak
    assert not get_user_model().objects.filter(username="newcomer").exists()


def test_password_change_refuses_weak_passwords(client_for, user):
    user.set_password("an-old-secret-phrase")
    user.save()
    client = client_for(user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "an-old-secret-phrase",
            "new_password1": "123456789",
            "new_password2": "123456789",
        },
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password("an-old-secret-phrase")
