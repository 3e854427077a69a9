"""Names shown to others: no hidden or direction-changing characters, no look-alikes of another name."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import BoardVisibility, Profile
from accounts.names import skeleton
from accounts.services import profile_update
from leaderboard.services import set_team
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "An0ther-long-passphrase"
HIDDEN = ["\x1b[31mred", "evil\u202etxt.exe", "zero\u200bwidth", "iso\u2066late", "line\u2028break", "nul\x00"]


def sign_up(client, username, email="newcomer@corp.example"):
    data = {"username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD}
    return client.post(reverse("signup"), data)


@pytest.mark.parametrize(
    ("one", "other"),
    [("alice", "\u0430lice"), ("alice", "ALICE"), ("alice", "a1ice"), ("alice", "𝐚𝐥𝐢𝐜𝐞"), ("bob", "b0b"), ("m", "rn")],
)
def test_look_alike_names_share_a_skeleton(one, other):
    assert skeleton(one) == skeleton(other)


@pytest.mark.parametrize(("one", "other"), [("alice", "alina"), ("jose", "josé"), ("ann", "anne")])
def test_different_names_do_not(one, other):
    assert skeleton(one) != skeleton(other)


@pytest.mark.parametrize("username", ["\u0430lice", "a1ice", "ALICE"])
def test_a_username_confusable_with_an_existing_one_is_refused_at_sign_up(client, user, username, settings):
    settings.ALLOWED_EMAIL_DOMAINS = []
    response = sign_up(client, username)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["username"]
    assert not get_user_model().objects.filter(email="newcomer@corp.example").exists()


def test_a_username_confusable_with_someone_elses_display_name_is_refused(client, other_user, settings):
    settings.ALLOWED_EMAIL_DOMAINS = []
    profile_update(user=other_user, display_name="Quill", show_on_boards=BoardVisibility.DISPLAY_NAME)
    response = sign_up(client, "qui1l")
    assert list(response.context["form"].errors) == ["username"]


def board_settings(client, display_name):
    return client.post(
        reverse("board-settings"), {"show_on_boards": BoardVisibility.DISPLAY_NAME, "display_name": display_name}
    )


@pytest.mark.parametrize("name", ["alice", "Alice", "\u0430lice", "Quill", "QUILL"])
def test_a_display_name_may_not_look_like_another_persons_name(client_for, user, other_user, name):
    profile_update(user=user, display_name="Quill", show_on_boards=BoardVisibility.DISPLAY_NAME)
    response = board_settings(client_for(other_user), name)
    assert response.status_code == 200
    assert "display_name" in response.context["form"].errors
    assert Profile.objects.get(user=other_user).display_name == ""


def test_a_display_name_may_look_like_ones_own_username(client_for, user):
    response = board_settings(client_for(user), "Alice")
    assert response.status_code == 302
    assert Profile.objects.get(user=user).display_name == "Alice"


@pytest.mark.parametrize("name", HIDDEN)
def test_a_display_name_with_hidden_characters_is_refused(client_for, user, name):
    response = board_settings(client_for(user), name)
    assert response.status_code == 200
    assert response.context["form"].errors["display_name"]
    assert Profile.objects.get(user=user).display_name == ""


@pytest.mark.parametrize("name", HIDDEN)
def test_a_username_with_hidden_characters_is_refused(client, name, settings):
    settings.ALLOWED_EMAIL_DOMAINS = []
    response = sign_up(client, name)
    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert not get_user_model().objects.filter(email="newcomer@corp.example").exists()


@pytest.mark.parametrize("name", HIDDEN[:2])
def test_team_names_with_hidden_characters_are_refused(user, name, tmp_path):
    with pytest.raises(ValidationError) as error:
        set_team(user=user, team=name)
    assert "team" in error.value.message_dict
    with pytest.raises(ValidationError):
        Profile(user=user, team=name).full_clean(exclude=["user"])
    csv_file = tmp_path / "teams.csv"
    csv_file.write_text(f"username,team\nalice,Legal\nalice,{name}\n", encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("import_teams", str(csv_file))
    assert f"{csv_file}:3:" in str(error.value)
    assert Profile.objects.filter(user=user, team="Legal").count() == 0


def test_names_seen_before_stay_editable(client_for):
    """A display name stored before these rules may be kept while other settings change."""
    person = UserFactory(username="zed")
    Profile.objects.create(user=person, display_name="alice")
    UserFactory(username="alice")
    response = client_for(person).post(
        reverse("board-settings"), {"show_on_boards": BoardVisibility.ANONYMOUS, "display_name": "alice"}
    )
    assert response.status_code == 302
    assert Profile.objects.get(user=person).show_on_boards == BoardVisibility.ANONYMOUS
