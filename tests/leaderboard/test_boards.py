"""Boards: ranks, ties, the pinned row, windows, categories, teams and anonymity."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict

from accounts.models import BoardVisibility
from accounts.services import profile_update
from annotations.models import Category
from leaderboard import services
from leaderboard.models import PointEntry
from leaderboard.selectors import BoardQuery, leaderboard, parse_board_query, window_start
from tests.factories import AdminFactory, UserFactory

from .conftest import approve, make_contest, submitted

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def earn(person, count, *, category="open_qa", at=None):
    for _ in range(count):
        for entry in approve(submitted(person, category=category, at=at)):
            if at is not None:
                PointEntry.objects.filter(pk=entry.pk).update(created_at=at)
    if at is not None:
        services.rebuild_standings()


def board(contest, viewer, **query):
    return leaderboard(contest=contest, query=BoardQuery(**query), viewer=viewer)


def summary(result):
    return [(row.rank, row.name, row.points, row.gap) for row in result.rows]


def test_ranks_ties_broken_by_who_got_there_first_and_gaps(contest, people):
    ann, ben, cat, dan = people
    earn(ann, 2)
    earn(ben, 2)
    earn(cat, 1)
    result = board(contest, dan)
    assert summary(result) == [(1, "ann", 20, None), (2, "ben", 20, 0), (3, "cat", 10, 10)]
    assert result.me is None


def test_identical_scores_and_times_share_a_rank(contest, people):
    ann, ben, cat, dan = people
    moment = contest.starts_at + datetime.timedelta(days=1)
    earn(ann, 2, at=moment)
    earn(ben, 2, at=moment)
    earn(cat, 1, at=moment)
    assert [(r.rank, r.points) for r in board(contest, dan).rows] == [(1, 20), (1, 20), (3, 10)]
    pinned = board(contest, cat, limit=1)
    assert [(r.rank, r.points) for r in pinned.rows] == [(1, 20)]
    assert (pinned.me.rank, pinned.me.gap) == (3, 10)
    from annotations.models import Category

    ledger = board(contest, cat, category=Category.objects.get(key="open_qa"), limit=1)
    assert [(r.rank, r.points) for r in ledger.rows] == [(1, 20)]
    assert (ledger.me.rank, ledger.me.gap) == (3, 10)


def test_people_who_have_not_scored_share_the_last_rank(contest, people):
    ann, ben, cat, dan = people
    make_contest("capped", daily_cap=0, categories=("brainstorming",))
    earn(ann, 1)
    earn(ben, 1, category="brainstorming")
    earn(cat, 1, category="brainstorming")
    result = leaderboard(contest=contest.__class__.objects.get(slug="capped"), query=BoardQuery(), viewer=dan)
    assert [(row.rank, row.points, row.reached_at) for row in result.rows] == [(1, 0, None), (1, 0, None)]


def test_the_viewers_row_is_pinned_with_rank_and_gap_outside_the_top(contest, people):
    ann, ben, cat, dan = people
    earn(ann, 4)
    earn(ben, 3)
    earn(cat, 2)
    earn(dan, 1)
    result = board(contest, dan, limit=2)
    assert [row.name for row in result.rows] == ["ann", "ben"]
    assert not result.me_in_top
    assert (result.me.rank, result.me.points, result.me.gap, result.me.is_you) == (4, 10, 10, True)
    inside = board(contest, ben, limit=2)
    assert inside.me_in_top and inside.me.rank == 2 and inside.me.gap == 10


def test_all_time_board_sums_every_contest(people):
    ann, ben = people[:2]
    make_contest("one", base_points=10)
    make_contest("two", base_points=5)
    earn(ann, 1)
    earn(ben, 2)
    result = board(None, ann)
    # The standard 10 points of every approval, then each contest's on top.
    assert summary(result) == [(1, "ben", 2 * (10 + 15), None), (2, "ann", 10 + 15, 25)]


def test_disqualified_people_are_left_off_and_told(contest, people):
    ann, ben = people[:2]
    earn(ann, 3)
    earn(ben, 1)
    services.disqualify(contest=contest, user=ann, reason="Copied", actor=AdminFactory(username="ada"))
    assert [row.name for row in board(contest, ben).rows] == ["ben"]
    mine = board(contest, ann)
    assert mine.excluded and mine.me is None
    assert [row.name for row in board(contest, ben, window="week").rows] == ["ben"]


def test_category_board_counts_only_that_category(contest, people):
    from annotations.models import Category

    ann, ben = people[:2]
    earn(ann, 1)
    earn(ben, 2, category="closed_qa")
    closed = Category.objects.get(key="closed_qa")
    result = board(contest, ann, category=closed)
    assert summary(result) == [(1, "ben", 20, None)]
    assert result.me is None
    open_qa = board(contest, ben, category=Category.objects.get(key="open_qa"))
    assert summary(open_qa) == [(1, "ann", 10, None)]


def test_today_window_starts_at_local_midnight_not_utc(people):
    ann, ben, cat = people[:3]
    contest = make_contest(
        time_zone="America/New_York",
        starts_at=datetime.datetime(2026, 1, 1, tzinfo=UTC),
        ends_at=datetime.datetime(2026, 12, 1, tzinfo=UTC),
    )
    now = datetime.datetime(2026, 6, 10, 12, 0, tzinfo=UTC)  # 08:00 in New York
    earn(ann, 1, at=datetime.datetime(2026, 6, 10, 3, 0, tzinfo=UTC))  # 23:00 yesterday in New York
    earn(ben, 1, at=datetime.datetime(2026, 6, 10, 4, 30, tzinfo=UTC))  # 00:30 today in New York
    earn(cat, 1, at=datetime.datetime(2026, 6, 9, 12, 0, tzinfo=UTC))
    result = leaderboard(contest=contest, query=BoardQuery(window="today"), viewer=ann, now=now)
    assert [row.name for row in result.rows] == ["ben"]
    assert result.since == datetime.datetime(2026, 6, 10, 4, 0, tzinfo=UTC)
    whole = leaderboard(contest=contest, query=BoardQuery(), viewer=ann, now=now)
    assert [row.name for row in whole.rows] == ["cat", "ann", "ben"]


def test_windows_across_the_spring_time_change_in_paris(people):
    ann, ben, cat, dan = people
    contest = make_contest(
        time_zone="Europe/Paris",
        starts_at=datetime.datetime(2026, 3, 1, tzinfo=UTC),
        ends_at=datetime.datetime(2026, 4, 30, tzinfo=UTC),
    )
    # Clocks go from 02:00 CET to 03:00 CEST on Sunday 29 March 2026.
    sunday_noon = datetime.datetime(2026, 3, 29, 10, 0, tzinfo=UTC)  # 12:00 CEST
    assert window_start("today", zone=contest.zone, now=sunday_noon) == datetime.datetime(
        2026, 3, 28, 23, 0, tzinfo=UTC
    )  # midnight was still CET (+1)
    earn(ann, 1, at=datetime.datetime(2026, 3, 28, 22, 30, tzinfo=UTC))  # Saturday 23:30 CET
    earn(ben, 1, at=datetime.datetime(2026, 3, 28, 23, 30, tzinfo=UTC))  # Sunday 00:30 CET
    today = leaderboard(contest=contest, query=BoardQuery(window="today"), viewer=dan, now=sunday_noon)
    assert [row.name for row in today.rows] == ["ben"]

    monday = datetime.datetime(2026, 3, 30, 10, 0, tzinfo=UTC)
    assert window_start("week", zone=contest.zone, now=monday) == datetime.datetime(
        2026, 3, 29, 22, 0, tzinfo=UTC
    )  # Monday 00:00 is now CEST (+2)
    earn(cat, 1, at=datetime.datetime(2026, 3, 29, 22, 30, tzinfo=UTC))  # Monday 00:30 CEST
    earn(dan, 1, at=datetime.datetime(2026, 3, 29, 21, 30, tzinfo=UTC))  # Sunday 23:30 CEST
    week = leaderboard(contest=contest, query=BoardQuery(window="week"), viewer=dan, now=monday)
    assert [row.name for row in week.rows] == ["cat"]
    assert week.me is None


def test_window_board_pins_the_viewer_with_rank(contest, people):
    ann, ben, cat, dan = people
    earn(ann, 3)
    earn(ben, 2)
    earn(cat, 1)
    result = board(contest, cat, window="today", limit=1)
    assert [row.name for row in result.rows] == ["ann"]
    assert (result.me.rank, result.me.points, result.me.gap) == (3, 10, 10)


def test_team_boards_from_standings_and_from_the_ledger(contest, people):
    ann, ben, cat, dan = people
    for person, team in ((ann, "Sales"), (ben, "Sales"), (cat, "Legal")):
        services.set_team(user=person, team=team)
    earn(ann, 1)
    earn(ben, 1)
    earn(cat, 3)
    earn(dan, 5)  # no team
    result = board(contest, ann, scope="teams")
    assert [(r.rank, r.name, r.points, r.gap) for r in result.rows] == [(1, "Legal", 30, None), (2, "Sales", 20, 10)]
    assert result.me.name == "Sales" and result.me.is_you
    pinned = board(contest, ann, scope="teams", limit=1)
    assert pinned.me.rank == 2 and pinned.me.gap == 10 and not pinned.me_in_top
    today = board(contest, ann, scope="teams", window="today", limit=1)
    assert [(r.name, r.points) for r in today.rows] == [("Legal", 30)]
    assert (today.me.name, today.me.rank, today.me.points) == ("Sales", 2, 20)
    assert board(contest, dan, scope="teams").me is None


def test_anonymity_on_public_boards_and_real_names_for_admins(contest, people):
    ann, ben, cat, dan = people
    ann.first_name, ann.last_name = "Ann", "Archer"
    ann.save()
    profile_update(user=ann, display_name="Quill", show_on_boards=BoardVisibility.DISPLAY_NAME)
    profile_update(user=ben, display_name="", show_on_boards=BoardVisibility.ANONYMOUS)
    services.set_team(user=ben, team="Secret team")
    earn(ann, 3)
    earn(ben, 2)
    earn(cat, 1)
    public = board(contest, dan)
    assert [row.name for row in public.rows] == ["Quill", "Anonymous contributor", "cat"]
    assert all(row.username is None for row in public.rows)
    assert public.rows[1].team is None and public.rows[1].anonymous
    own = board(contest, ben)
    assert own.rows[1].name == "ben" and own.rows[1].is_you
    admin = board(contest, AdminFactory(username="ada"))
    assert [row.name for row in admin.rows] == ["Ann Archer", "ben", "cat"]
    assert [row.username for row in admin.rows] == ["ann", "ben", "cat"]


def test_display_name_choice_without_a_name_is_anonymous(contest, people):
    ann, ben = people[:2]
    profile_update(user=ann, display_name="  ", show_on_boards=BoardVisibility.DISPLAY_NAME)
    earn(ann, 1)
    assert board(contest, ben).rows[0].name == "Anonymous contributor"


@pytest.mark.parametrize(
    ("params", "bad"),
    [
        ("scope=robots", "scope"),
        ("window=month", "window"),
        ("category=nope", "category"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=ten", "limit"),
    ],
)
def test_bad_board_parameters_name_the_parameter(params, bad):
    with pytest.raises(ValidationError) as error:
        parse_board_query(QueryDict(params))
    assert list(error.value.message_dict) == [bad]


def test_board_parameters_defaults():
    assert parse_board_query(QueryDict("")) == BoardQuery()
    query = parse_board_query(QueryDict("scope=teams&window=week&limit=7&category=open_qa"))
    assert (query.scope, query.window, query.limit, query.category.key) == ("teams", "week", 7, "open_qa")


def test_ranking_query_count_is_flat(contest, people, django_assert_num_queries):
    for i in range(20):
        earn(UserFactory(username=f"p{i}"), 1 + i % 3)
    viewer = people[0]
    earn(viewer, 1)
    with django_assert_num_queries(3):  # the viewer's roles, the top, their row with its rank and gap
        result = board(contest, viewer, limit=5)
    assert len(result.rows) == 5 and result.me is not None


@pytest.mark.parametrize("query", [{}, {"window": "today"}, {"category": "open_qa"}, {"scope": "teams"}])
def test_every_viewers_pinned_row_is_their_row_on_the_whole_board(contest, query, django_assert_num_queries):
    """Ties on a score broken by time, an exact tie of people with no time yet, teams level on points."""
    counts = [4, 2, 2, 2, 1, 1, 3, 1, 1, 1]
    crowd = [UserFactory(username=f"q{i}") for i in range(len(counts) + 2)]
    for i, person in enumerate(crowd):
        services.set_team(user=person, team=f"T{i % 5}")
    for person, count in zip(crowd, counts, strict=False):
        earn(person, count)
    for person in crowd[-2:]:  # on the board, but with nothing scored: no time
        approve(submitted(person))
        PointEntry.objects.filter(user=person).update(points=0)
    services.rebuild_standings()
    assert services.standings_differences() == []
    if query.get("category"):
        query = {**query, "category": Category.objects.get(key=query["category"])}
    whole = board(contest, crowd[0], limit=200, **query)
    assert len(whole.rows) == (5 if query.get("scope") else len(crowd))
    assert whole.rows[-1].reached_at is None or query.get("scope")
    for row in whole.rows[1:]:  # outside the top row: their roles, the top, their own row (a team: its name too)
        viewer = next(p for p in crowd if row.name in (p.username, f"T{crowd.index(p) % 5}"))
        with django_assert_num_queries(4 if query.get("scope") else 3):
            pinned = board(contest, viewer, limit=1, **query)
        assert not pinned.me_in_top
        assert (pinned.me.name, pinned.me.rank, pinned.me.points, pinned.me.gap) == (
            row.name,
            row.rank,
            row.points,
            next(first.gap for first in whole.rows if first.rank == row.rank),  # exactly tied: the place ahead
        )


def test_pinned_rank_skips_disqualified_people_and_counts_all_time(contest, people):
    ann, ben, cat, dan = people
    earn(ann, 3)
    earn(ben, 2)
    earn(cat, 1)
    earn(dan, 1)
    services.disqualify(contest=contest, user=ann, reason="Copied", actor=AdminFactory(username="ada"))
    result = board(contest, dan, limit=1)
    assert [row.name for row in result.rows] == ["ben"]
    assert (result.me.rank, result.me.gap) == (3, 0)  # behind ben, and behind cat who reached 10 first
    # All time: ann's contest points are voided, her standard points stay (30, above cat and dan).
    assert board(None, dan, limit=1).me.rank == 4
    assert services.standings_differences() == []
