"""What every request reads before its view: the session or the API token, and the person's roles.

Each is read with plain SQL on each request (nothing cached between requests), so a sign-out,
an expiry or a role taken away applies to the very next request.
"""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.permissions import is_admin, is_reviewer
from accounts.selectors import group_names
from accounts.services import user_set_roles
from dolly_collect.sessions import SessionStore
from tests.factories import DemonstrationFactory

pytestmark = pytest.mark.django_db


def test_a_stored_session_reads_back_its_data():
    store = SessionStore()
    store["colour"] = "blue"
    store.create()
    again = SessionStore(store.session_key)
    assert again["colour"] == "blue"
    assert again.session_key == store.session_key


def test_an_expired_session_reads_as_empty_and_gets_a_new_key_when_saved():
    store = SessionStore()
    store["colour"] = "blue"
    store.create()
    past = timezone.now() - datetime.timedelta(seconds=1)
    Session.objects.filter(session_key=store.session_key).update(expire_date=past)
    expired = SessionStore(store.session_key)
    assert "colour" not in expired
    assert expired.session_key is None


@pytest.mark.parametrize("key", ["", "short", "x" * 41, "no-such-session-key-000000000000"])
def test_an_unknown_or_malformed_key_reads_as_empty(key):
    store = SessionStore(key)
    assert dict(store.items()) == {}


def test_pages_read_the_signed_in_session_and_forget_it_after_sign_out(client, user):
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_session_deleted_in_the_database_signs_out_on_the_next_request(client, user):
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200
    Session.objects.all().delete()
    assert client.get(reverse("home")).status_code == 302


def test_group_names_are_the_users_groups(user):
    assert group_names(user) == frozenset()
    user.groups.add(Group.objects.create(name="reviewer"), Group.objects.create(name="translators"))
    assert group_names(user) == {"reviewer", "translators"}


def test_a_role_taken_away_applies_to_the_next_request(client, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("review-queue")).status_code == 200
    user_set_roles(user=reviewer, roles=[])
    assert client.get(reverse("review-queue")).status_code == 403


def test_a_role_given_applies_to_the_next_request(client, user):
    client.force_login(user)
    assert client.get(reverse("review-queue")).status_code == 403
    user_set_roles(user=user, roles=["reviewer"])
    assert client.get(reverse("review-queue")).status_code == 200


def test_roles_come_from_groups(user, reviewer, admin_user):
    assert (is_reviewer(user), is_admin(user)) == (False, False)
    assert (is_reviewer(reviewer), is_admin(reviewer)) == (True, False)
    assert (is_reviewer(admin_user), is_admin(admin_user)) == (True, True)


def _api(key):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def test_a_token_signs_its_person_in(user, other_user):
    key = Token.objects.create(user=user).key
    DemonstrationFactory(author=user)
    DemonstrationFactory(author=other_user)
    response = _api(key).get("/api/v1/demonstrations/")
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_the_token_request_user_is_a_whole_person_with_their_roles(reviewer):
    key = Token.objects.create(user=reviewer).key
    assert _api(key).get("/api/v1/review/next/").status_code in (200, 204)
    user_set_roles(user=reviewer, roles=[])
    assert _api(key).get("/api/v1/review/next/").status_code == 403


@pytest.mark.parametrize("key", ["0" * 40, "nope", "x" * 300, "bad\x00key"])
def test_an_unknown_token_is_refused_with_a_401(user, key):
    Token.objects.create(user=user)
    response = _api(key).get("/api/v1/demonstrations/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_an_inactive_persons_token_is_refused(user):
    key = Token.objects.create(user=user).key
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = _api(key).get("/api/v1/demonstrations/")
    assert response.status_code == 401
    assert response.json()["detail"] == "User inactive or deleted."


def test_a_deleted_token_is_refused_on_the_next_request(user):
    token = Token.objects.create(user=user)
    assert _api(token.key).get("/api/v1/demonstrations/").status_code == 200
    token.delete()
    response = _api(token.key).get("/api/v1/demonstrations/")
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."


def test_a_session_cookie_holding_a_nul_byte_reads_as_no_session(client, user):
    client.force_login(user)
    response = client.get(reverse("home"), HTTP_COOKIE='sessionid="abcdefgh\\000ijklmnop"')
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
