"""The streak, the people just above and below you, what earns the most now, scoring in plain words."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from leaderboard.models import PointEntry
from leaderboard.selectors import BoardQuery, leaderboard, streak

from .conftest import approve, make_contest, submitted

pytestmark = pytest.mark.django_db


def test_the_streak_counts_days_in_a_row_with_an_approval(people):
    ann = people[0]
    now = timezone.now()
    for days_ago in (0, 1, 2, 4):
        approve(submitted(ann))
        moment = now - datetime.timedelta(days=days_ago)
        PointEntry.objects.filter(pk=PointEntry.objects.filter(user=ann).latest("id").pk).update(created_at=moment)
    assert streak(user=ann, now=now) == 3  # today, yesterday, the day before; not four days ago
    # Today not yet approved: the streak still holds from yesterday.
    assert streak(user=ann, now=now + datetime.timedelta(days=1)) == 3
    assert streak(user=ann, now=now + datetime.timedelta(days=2)) == 0
    assert streak(user=people[1], now=now) == 0


def test_several_approvals_on_one_day_count_as_one_day_of_the_streak(people):
    ann = people[0]
    now = timezone.now()
    for days_ago in (0, 0, 0, 1, 1):
        approve(submitted(ann))
        moment = now - datetime.timedelta(days=days_ago, seconds=len(PointEntry.objects.filter(user=ann)))
        PointEntry.objects.filter(pk=PointEntry.objects.filter(user=ann).latest("id").pk).update(created_at=moment)
    assert streak(user=ann, now=now) == 2


def test_a_pinned_viewer_sees_the_people_just_above_and_below(contest, people):
    ann, ben, cat, dan = people
    for person, count in ((ann, 4), (ben, 3), (cat, 2), (dan, 1)):
        for _ in range(count):
            approve(submitted(person))
    board = leaderboard(contest=contest, query=BoardQuery(limit=1), viewer=cat, with_neighbours=True)
    assert [row.name for row in board.rows] == ["ann"]
    assert (board.above.name, board.above.rank, board.above.points) == ("ben", 2, 30)
    assert (board.me.rank, board.me.gap) == (3, 10)
    assert (board.below.name, board.below.rank, board.below.gap) == ("dan", 4, 10)
    # Just under the top: the row above is already shown, not twice.
    second = leaderboard(contest=contest, query=BoardQuery(limit=1), viewer=ben, with_neighbours=True)
    assert second.above is None and second.below.name == "cat"


def test_every_points_page_explains_scoring_in_plain_words(client_for, people):
    ann = people[0]
    make_contest(
        "spring", categories=("open_qa", "closed_qa"), category_multipliers={"closed_qa": "1.5"}, daily_cap=100
    )
    approve(submitted(ann))
    client = client_for(ann)
    for url in (reverse("my-points"), reverse("leaderboard"), reverse("contest-leaderboard", args=["spring"])):
        page = client.get(url).content.decode()
        assert "How points work" in page, url
        assert "earns 10 points on the all-time board" in page
        assert "× 1.5 for Closed QA" in page and "for closed_qa" not in page
        assert "Earns the most now:" in page and "Closed QA, 15 points per approved demonstration" in page
        assert "Your streak: 1 day in a row" in page
    detail = client.get(reverse("contest-detail", args=["spring"])).content.decode()
    assert "× 1.5 for Closed QA" in detail
    dashboard = client.get(reverse("my-dashboard")).content.decode()
    assert "How points work" in dashboard


def test_the_rules_of_a_contest_read_with_french_punctuation_and_numbers_in_french(client_for, people):
    ann = people[0]
    make_contest(
        "spring", categories=("open_qa", "closed_qa"), category_multipliers={"closed_qa": "1.5"}, daily_cap=100
    )
    client = client_for(ann)
    page = client.get(reverse("leaderboard"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Comment gagner des points" in page
    assert "\u00a0; × 1,5 pour Closed QA\u00a0; au plus 100 points" in page
    assert "\u00a0; " in page and " ; " not in page and "concours; " not in page
    english = client.get(reverse("leaderboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "; × 1.5 for Closed QA; at most 100 points" in english
