"""The contest and leaderboard pages as people use them."""

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import translation

from accounts.models import BoardVisibility, Profile
from leaderboard import services
from leaderboard.selectors import BoardQuery
from leaderboard.selectors.rows import Board, BoardRow
from tests.factories import AdminFactory, UserFactory

from .conftest import approve, make_contest, submitted

pytestmark = pytest.mark.django_db


def populate(contest, count):
    people = [UserFactory(username=f"writer{i}") for i in range(count)]
    for i, person in enumerate(people):
        services.set_team(user=person, team=f"Team {i % 3}")
        for _ in range(1 + i % 2):
            approve(submitted(person))
    return people


def test_pages_need_a_signed_in_user(client, contest):
    for url in (
        reverse("contest-list"),
        reverse("contest-detail", args=[contest.slug]),
        reverse("contest-leaderboard", args=[contest.slug]),
        reverse("leaderboard"),
        reverse("my-points"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"]


def test_contest_list_and_nav_link(client_for, user):
    make_contest("spring")
    response = client_for(user).get(reverse("contest-list"))
    assert response.status_code == 200
    assert b"Spring" in response.content
    assert f'href="{reverse("contest-list")}"'.encode() in response.content


def test_contest_page_renders_markdown_safely_with_progress_and_countdown(client_for, user):
    contest = make_contest(
        description="**Write** more <script>alert(1)</script> [x](javascript:alert(2))",
        prizes="1. A mug",
        category_targets={"open_qa": 4},
    )
    approve(submitted(user))
    response = client_for(user).get(reverse("contest-detail", args=[contest.slug]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>Write</strong>" in html
    assert "<script>alert" not in html and "javascript:" not in html
    assert "<li>A mug</li>" in html
    assert "data-countdown" in html and "js/leaderboard.js" in html
    assert '<td class="num">1</td><td class="num">4</td>' in html  # the category progress, 1 of 4
    assert '"data": [1, 0]' in html  # and the figures its chart is drawn from
    assert "25 %" in html


def test_leaderboard_page_pins_your_row_outside_the_top(client_for, contest):
    populate(contest, 12)  # everyone has 10 or 20 points before the latecomer's 10
    last = UserFactory(username="latecomer")
    approve(submitted(last))
    response = client_for(last).get(reverse("contest-leaderboard", args=[contest.slug]), {"limit": "10"})
    board = response.context["board"]
    assert len(board.rows) == 10 and not board.me_in_top
    assert board.me.name == "latecomer" and board.me.rank == 13 and board.me.gap == 0
    html = response.content.decode()
    assert 'class="you pinned"' in html and "tied, reached later" in html
    teams = client_for(last).get(reverse("contest-leaderboard", args=[contest.slug]), {"scope": "teams"})
    # 60 points each; Team 0's last member scored first, Team 2's last.
    assert [(row.name, row.points, row.rank) for row in teams.context["board"].rows] == [
        ("Team 0", 60, 1),
        ("Team 1", 60, 2),
        ("Team 2", 60, 3),
    ]


def test_bad_board_parameters_on_the_page_say_which_and_fall_back(client_for, user, contest):
    response = client_for(user).get(reverse("contest-leaderboard", args=[contest.slug]), {"window": "year"})
    assert response.status_code == 400
    assert b"window" in response.content
    assert response.context["query"].window == "contest"


def test_unknown_contest_is_404(client_for, user):
    assert client_for(user).get(reverse("contest-detail", args=["nope"])).status_code == 404


def test_anonymous_choice_hides_the_name_from_others_but_not_from_admins(client_for, contest):
    shy = UserFactory(username="shy")
    Profile.objects.create(user=shy, show_on_boards=BoardVisibility.ANONYMOUS)
    approve(submitted(shy))
    other = UserFactory(username="other")
    page = client_for(other).get(reverse("contest-leaderboard", args=[contest.slug])).content.decode()
    assert "shy" not in page and "Anonymous contributor" in page
    page = client_for(AdminFactory(username="ada")).get(reverse("contest-leaderboard", args=[contest.slug]))
    assert "shy" in page.content.decode()


def test_my_points_explains_every_entry(client_for, user):
    make_contest(base_points=10, category_multipliers={"open_qa": "1.5"}, rating_bonus=2)
    approve(submitted(user), rating=5)
    response = client_for(user).get(reverse("my-points"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "+19" in html  # 10 × 1.5 = 15, + 2 × 2 for five stars
    assert "10 base points for an approved demonstration" in html
    assert "× 1.5 for the category open_qa" in html
    assert "for the reviewer&#x27;s 5-star rating" in html or "for the reviewer's 5-star rating" in html
    assert 'data-chart-data="points-chart-data"' in html and "<svg" not in html


def test_charts_are_numbers_for_chartjs_in_every_language(client_for, user, contest):
    import json
    import re

    for _ in range(3):
        approve(submitted(user))
    client = client_for(user)
    for language in ("en", "fr"):
        client.cookies["django_language"] = language
        points = client.get(reverse("my-points"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
        data = json.loads(re.search(r'id="points-chart-data" type="application/json">(.*?)</script>', points).group(1))
        assert data["kind"] == "line" and data["datasets"][0]["data"] == [60]  # 3 × (10 standard + 10 contest)
        detail = client.get(reverse("contest-detail", args=[contest.slug]), HTTP_ACCEPT_LANGUAGE=language)
        html = detail.content.decode()
        bars = json.loads(re.search(r'id="progress-chart-data" type="application/json">(.*?)</script>', html).group(1))
        assert bars["horizontal"] and bars["datasets"][0]["data"] == [3, 0]
        assert "<svg" not in html and 'data-chart-data="progress-chart-data"' in html


def test_board_settings_form(client_for, user, contest):
    client = client_for(user)
    assert client.get(reverse("board-settings")).status_code == 200
    response = client.post(reverse("board-settings"), {"show_on_boards": "display_name", "display_name": ""})
    assert response.status_code == 200 and b"Choose a display name" in response.content
    response = client.post(reverse("board-settings"), {"show_on_boards": "display_name", "display_name": "Owl"})
    assert response.status_code == 302
    profile = Profile.objects.get(user=user)
    assert (profile.show_on_boards, profile.display_name) == ("display_name", "Owl")


@pytest.mark.parametrize("name", ["contest-leaderboard", "contest-detail", "my-points", "leaderboard"])
def test_page_query_counts_do_not_grow_with_rows(client_for, contest, name, django_assert_num_queries):
    viewer = UserFactory(username="viewer")
    approve(submitted(viewer))
    client = client_for(viewer)
    url = reverse(name, args=[contest.slug]) if name.startswith("contest") else reverse(name)
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    populate(contest, 20)
    for _ in range(20):
        approve(submitted(viewer))
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]
    assert len(many) <= 12


def test_contest_times_are_shown_in_the_contest_zone_and_the_week_starts_monday_there(client_for, user):
    import datetime

    from django.test import override_settings
    from django.utils import translation

    from leaderboard.selectors import window_start

    contest = make_contest(
        "paris",
        time_zone="Europe/Paris",
        starts_at=datetime.datetime(2026, 11, 1, 23, 0, tzinfo=datetime.UTC),  # 00:00 on 2 Nov in Paris
        ends_at=datetime.datetime(2027, 1, 31, 17, 0, tzinfo=datetime.UTC),  # 18:00 in Paris
    )
    client = client_for(user)
    with override_settings(TIME_ZONE="UTC"):
        page = client.get(reverse("contest-detail", args=[contest.slug])).content.decode()
        assert "00:00" in page and "18:00" in page and "Europe/Paris time" in page
        assert "23:00" not in page
        board = client.get(reverse("contest-leaderboard", args=[contest.slug]) + "?window=week").content.decode()
    monday = window_start("week", zone=contest.zone)
    assert monday.weekday() == 0 and (monday.hour, monday.minute) == (0, 0) and monday.tzinfo == contest.zone
    assert "00:00 (Europe/Paris time)." in board and ".." not in board.split("Points earned since")[1][:80]
    with translation.override("fr"):
        french = client.get(
            reverse("contest-leaderboard", args=[contest.slug]) + "?window=week", HTTP_ACCEPT_LANGUAGE="fr"
        ).content.decode()
    assert "00:00" in french and ".." not in french.split("00:00")[1][:40]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_board_rows_write_what_the_template_language_would(language):
    """The rows written in Python (leaderboard/templatetags/boards.py) match the template they replaced."""
    rows = [
        BoardRow(rank=1, points=1234567, reached_at=None, name="Ann <b>", gap=None, username="ann", team="Red & Co"),
        BoardRow(rank=1002, points=-45000, reached_at=None, name="Bo", is_you=True, gap=0),
        BoardRow(rank=1003, points=12, reached_at=None, name="cy", gap=2500, username="cy"),
    ]
    replaced = engines["django"].from_string(
        "{% load i18n humanize %}{% for row in rows %}"
        '<tr{% if row.is_you %} class="you"{% endif %}><td>{{ row.rank|intcomma }}</td>\n'
        '<td>{{ row.name }}{% if row.is_you %} <span class="badge">{% trans "you" %}</span>{% endif %}'
        '{% if row.username and row.username != row.name %} <span class="muted">({{ row.username }})</span>{% endif %}'
        '{% if row.team and scope == "people" %} <span class="muted">· {{ row.team }}</span>{% endif %}</td>\n'
        '<td class="num">{{ row.points|intcomma }}</td>\n<td class="num">{% if row.gap is None %}—'
        '{% elif row.gap == 0 %}{% trans "tied, reached later" %}{% else %}{{ row.gap|intcomma }}{% endif %}</td></tr>'
        "{% endfor %}"
    )
    written = engines["django"].from_string("{% load boards %}{% board_rows board %}")
    with translation.override(language):
        for scope in ("people", "teams"):
            board = Board(contest=None, query=BoardQuery(scope=scope), rows=rows)
            expected = replaced.render({"rows": rows, "scope": scope})
            assert written.render({"board": board}).replace("\n  ", "") == expected
    assert "Ann &lt;b&gt;" in expected
    assert ("1,234,567" in expected) == (language == "en")
