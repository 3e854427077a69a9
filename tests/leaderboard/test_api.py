"""The contests API: reads for everyone signed in, writes for admins, errors that name the parameter."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import BoardVisibility, Profile
from leaderboard.models import Contest, PointEntry
from tests.factories import AdminFactory, UserFactory

from .conftest import approve, make_contest, submitted

pytestmark = pytest.mark.django_db

NEW_CONTEST = {
    "name": "Autumn",
    "slug": "autumn",
    "starts_at": "2026-09-01T00:00:00+02:00",
    "ends_at": "2026-10-01T00:00:00+02:00",
    "time_zone": "Europe/Paris",
    "categories": ["summarization", "closed_qa"],
    "category_multipliers": {"closed_qa": "1.5"},
    "category_targets": {"summarization": 300},
    "daily_cap": 200,
    "balance_bonus": True,
}


def test_anonymous_gets_401(api_for, contest):
    assert api_for().get("/api/v1/contests/").status_code in (401, 403)
    assert api_for().get("/api/v1/me/points/").status_code in (401, 403)


def test_list_and_detail(api_for, user, contest):
    approve(submitted(user))
    api = api_for(user)
    listing = api.get("/api/v1/contests/")
    assert listing.status_code == 200
    assert [c["slug"] for c in listing.json()["results"]] == ["spring"]
    detail = api.get("/api/v1/contests/spring/").json()
    assert detail["status"] == "running"
    assert detail["rules"]["base_points"] == 10
    assert {row["category"]: row["approved"] for row in detail["progress"]} == {"open_qa": 1, "closed_qa": 0}
    assert api.get("/api/v1/contests/nope/").status_code == 404


def test_leaderboard_includes_the_callers_rank(api_for, contest):
    people = [UserFactory(username=f"w{i}") for i in range(5)]
    for i, person in enumerate(people):
        for _ in range(5 - i):
            approve(submitted(person))
    body = api_for(people[4]).get("/api/v1/contests/spring/leaderboard/?limit=2").json()
    assert [row["points"] for row in body["rows"]] == [50, 40]
    assert body["me"]["rank"] == 5 and body["me"]["gap"] == 10 and body["me"]["is_you"]
    assert body["scope"] == "people" and body["window"] == "contest"


def test_leaderboard_hides_usernames_of_anonymous_people_except_from_admins(api_for, contest):
    shy = UserFactory(username="shy")
    Profile.objects.create(user=shy, show_on_boards=BoardVisibility.ANONYMOUS, team="Hidden")
    approve(submitted(shy))
    row = api_for(UserFactory(username="peer")).get("/api/v1/contests/spring/leaderboard/").json()["rows"][0]
    assert row["name"] == "Anonymous contributor" and row["username"] is None and row["team"] is None
    assert "shy" not in str(row)
    admin_row = api_for(AdminFactory(username="ada")).get("/api/v1/contests/spring/leaderboard/").json()["rows"][0]
    assert admin_row["username"] == "shy"


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("scope=everyone", "scope"),
        ("window=year", "window"),
        ("category=poetry", "category"),
        ("limit=0", "limit"),
        ("limit=abc", "limit"),
    ],
)
def test_bad_leaderboard_parameters_are_400_naming_the_parameter(api_for, user, contest, query, param):
    response = api_for(user).get(f"/api/v1/contests/spring/leaderboard/?{query}")
    assert response.status_code == 400
    assert list(response.json()) == [param]


def test_all_time_leaderboard(api_for, user, contest):
    approve(submitted(user))
    body = api_for(user).get("/api/v1/leaderboard/?scope=people&window=week").json()
    assert body["contest"] is None and body["me"]["points"] == 10 + 10  # standard points, and the contest's
    entry = PointEntry.objects.filter(user=user).latest("created_at")
    assert datetime.datetime.fromisoformat(body["me"]["reached_at"]) == entry.created_at


def test_leaderboard_request_is_a_bounded_number_of_queries(api_for, contest):
    people = [UserFactory(username=f"w{i}") for i in range(30)]
    for person in people:
        approve(submitted(person))
    api = api_for(people[-1])
    api.get("/api/v1/contests/spring/leaderboard/?limit=5")
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/api/v1/contests/spring/leaderboard/?limit=5").status_code == 200
    assert len(queries) <= 10


def test_my_points_with_explanations(api_for, user):
    make_contest(base_points=10, category_multipliers={"open_qa": "1.5"})
    approve(submitted(user))
    api = api_for(user)
    entry, standard = api.get("/api/v1/me/points/").json()["results"]
    assert (standard["points"], standard["contest"]) == (10, None)
    assert entry["points"] == 15 and entry["reason"] == "approval" and entry["contest"] == "spring"
    assert entry["why"][:2] == ["10 base points for an approved demonstration", "× 1.5 for the category open_qa"]
    assert api.get("/api/v1/me/points/?contest=spring").json()["count"] == 1
    bad = api.get("/api/v1/me/points/?contest=nope")
    assert bad.status_code == 400 and "contest" in bad.json()
    assert api_for(UserFactory(username="other")).get("/api/v1/me/points/").json()["count"] == 0


def test_only_admins_write_contests(api_for, user, contest):
    assert api_for(user).post("/api/v1/contests/", NEW_CONTEST, format="json").status_code == 403
    assert api_for(user).patch("/api/v1/contests/spring/", {"name": "X"}, format="json").status_code == 403
    assert api_for(user).delete("/api/v1/contests/spring/").status_code in (403, 405)
    admin = api_for(AdminFactory(username="ada"))
    created = admin.post("/api/v1/contests/", NEW_CONTEST, format="json")
    assert created.status_code == 201, created.json()
    contest = Contest.objects.get(slug="autumn")
    assert contest.starts_at == datetime.datetime(2026, 8, 31, 22, 0, tzinfo=datetime.UTC)
    assert sorted(contest.categories.values_list("key", flat=True)) == ["closed_qa", "summarization"]
    changed = admin.patch("/api/v1/contests/autumn/", {"daily_cap": 50, "categories": ["open_qa"]}, format="json")
    assert changed.status_code == 200
    assert changed.json()["rules"]["daily_cap"] == 50 and changed.json()["categories"] == ["open_qa"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ends_at": "2026-08-01T00:00:00Z"}, "ends_at"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"category_multipliers": {"poetry": 2}}, "category_multipliers"),
        ({"category_multipliers": {"closed_qa": -1}}, "category_multipliers"),
        ({"category_targets": {"summarization": 2.5}}, "category_targets"),
        ({"categories": []}, "categories"),
        ({"slug": "spring"}, "slug"),
        ({"starts_at": "next monday"}, "starts_at"),
    ],
)
def test_contest_validation_names_the_field_and_saves_nothing(api_for, contest, change, field):
    response = api_for(AdminFactory(username="ada")).post("/api/v1/contests/", {**NEW_CONTEST, **change}, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert not Contest.objects.filter(slug="autumn").exists()
