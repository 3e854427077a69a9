"""Admins editing people meet the same rules as sign-up: one account per address, visible names."""

import pytest
from django.contrib.auth import get_user_model

from tests.factories import AdminFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def change(client, user, **fields):
    data = {
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
    } | fields
    return client.post(f"/admin/auth/user/{user.pk}/change/", data)


@pytest.fixture
def admin_client(client):
    client.force_login(AdminFactory(username="ada"))
    return client


def test_an_address_another_account_holds_is_refused_not_a_500(admin_client, user, other_user):
    response = change(admin_client, other_user, email=user.email.upper())
    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors
    other_user.refresh_from_db()
    assert other_user.email == "mallory@example.com"


@pytest.mark.parametrize(
    ("field", "value"), [("first_name", "Ma\u202elory"), ("last_name", "x\x1b[2J"), ("username", "\u0430lice")]
)
def test_hidden_characters_and_look_alike_usernames_are_refused(admin_client, user, other_user, field, value):
    response = change(admin_client, other_user, **{field: value})
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors


def test_an_unchanged_person_saves(admin_client, user):
    legacy = UserFactory(username="bob")
    response = change(admin_client, legacy, first_name="Bob")
    assert response.status_code == 302
    legacy.refresh_from_db()
    assert legacy.first_name == "Bob"


def test_adding_a_look_alike_username_is_refused(admin_client, user):
    response = admin_client.post(
        "/admin/auth/user/add/", {"username": "ALICE", "usable_password": "false", "password1": "", "password2": ""}
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="ALICE").exists()
