"""All-time points without a contest, contests counting earlier approvals, and the window/category totals."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from annotations.models import Category
from leaderboard import services
from leaderboard.models import BoardScoreCount, BoardTotal, Period, PointEntry, Standing
from leaderboard.selectors import BoardQuery, leaderboard
from leaderboard.services import contests as contest_services
from leaderboard.services.late_approvals import contest_count_earlier_approvals
from tests.factories import AdminFactory, UserFactory

from .conftest import approve, make_contest, submitted

pytestmark = pytest.mark.django_db


def board(contest, viewer, **query):
    return leaderboard(contest=contest, query=BoardQuery(**query), viewer=viewer)


def summary(result):
    return [(row.rank, row.name, row.points) for row in result.rows]


def test_an_approval_earns_standard_points_with_no_contest(people, client_for):
    ann = people[0]
    for _ in range(3):
        approve(submitted(ann))
    [standing] = Standing.objects.filter(user=ann)
    assert (standing.contest, standing.points) == (None, 30)
    entries = PointEntry.objects.filter(user=ann)
    assert {(entry.contest_id, entry.points) for entry in entries} == {(None, 10)}
    assert entries.first().explanation["steps"] == [{"code": "base", "points": 10}]
    assert summary(board(None, ann)) == [(1, "ann", 30)]
    assert summary(board(None, ann, window="today")) == [(1, "ann", 30)]
    page = client_for(ann).get(reverse("my-points")).content.decode()
    assert "No points yet" not in page and "All time (standard points)" in page
    assert services.standings_differences() == []


def test_no_points_yet_says_what_an_approval_earns(people, client_for):
    page = client_for(people[0]).get(reverse("my-points")).content.decode()
    assert "every demonstration a reviewer approves earns 10 points" in page


def test_a_new_contest_counts_the_approvals_already_made_in_its_window(
    people, django_capture_on_commit_callbacks, client_for
):
    ann, ben = people[:2]
    now = timezone.now()
    early = [submitted(ann, at=now - datetime.timedelta(days=2)) for _ in range(2)]
    for demonstration in early:
        approve(demonstration)
    approve(submitted(ben, category="brainstorming", at=now - datetime.timedelta(days=2)))
    before = submitted(ben, at=now - datetime.timedelta(days=20))
    approve(before)
    with django_capture_on_commit_callbacks(execute=True):
        contest = contest_services.contest_create(
            name="Late",
            slug="late",
            starts_at=now - datetime.timedelta(days=7),
            ends_at=now + datetime.timedelta(days=7),
            base_points=20,
            categories=list(Category.objects.filter(key="open_qa")),
        )
    late = PointEntry.objects.filter(contest=contest).order_by("id")
    assert [(entry.user, entry.points) for entry in late] == [(ann, 20), (ann, 20)]
    assert late[0].explanation["steps"][0] == {"code": "counted_late"}
    assert Standing.objects.get(contest=contest, user=ann).points == 40
    assert Standing.objects.get(contest=None, user=ann).points == 20 + 40
    assert not Standing.objects.filter(contest=contest, user=ben).exists()
    page = client_for(ann).get(reverse("my-points")).content.decode()
    assert "approved before this contest counted it" in page
    # Counting again finds nothing new; the totals agree with the ledger and rebuild changes nothing.
    assert contest_count_earlier_approvals(contest=contest) == 0
    assert services.standings_differences() == []
    services.rebuild_standings()
    assert services.standings_differences() == []


def test_widening_a_contest_counts_what_it_now_covers(people, django_capture_on_commit_callbacks):
    ann = people[0]
    contest = make_contest(categories=("open_qa",))
    approve(submitted(ann, category="closed_qa", context="Some text.", source_url="https://en.wikipedia.org/"))
    assert not PointEntry.objects.filter(contest=contest).exists()
    with django_capture_on_commit_callbacks(execute=True):
        contest_services.contest_update(
            contest=contest, categories=list(Category.objects.filter(key__in=["open_qa", "closed_qa"]))
        )
    assert PointEntry.objects.filter(contest=contest, user=ann).count() == 1
    assert services.standings_differences() == []


def test_window_and_category_boards_are_running_totals_of_the_ledger(contest, people):
    ann, ben, cat, dan = people
    approve(submitted(ann))
    approve(submitted(ann, category="closed_qa", context="Some text.", source_url="https://en.wikipedia.org/"))
    approve(submitted(ben))
    approve(submitted(cat))
    today = timezone.localtime(timezone.now(), contest.zone).date()
    day = BoardTotal.objects.filter(contest=contest, period=Period.DAY, key=today.toordinal(), category=0)
    assert dict(day.values_list("user__username", "points")) == {"ann": 20, "ben": 10, "cat": 10}
    open_qa = Category.objects.get(key="open_qa")
    by_category = BoardTotal.objects.filter(contest=contest, period=Period.WHOLE, key=0, category=open_qa.pk)
    assert dict(by_category.values_list("user__username", "points")) == {"ann": 10, "ben": 10, "cat": 10}
    assert dict(
        BoardScoreCount.objects.filter(
            contest=contest, period=Period.DAY, key=today.toordinal(), category=0
        ).values_list("points", "holders")
    ) == {20: 1, 10: 2}
    week = board(contest, dan, window="week")
    assert summary(week) == [(1, "ann", 20), (2, "ben", 10), (3, "cat", 10)]
    pinned = board(contest, cat, window="today", limit=1)
    assert (pinned.me.rank, pinned.me.points, pinned.me.gap) == (3, 10, 0)
    category = board(contest, cat, category=open_qa, limit=1)
    assert (category.me.rank, category.me.points) == (3, 10)
    assert services.standings_differences() == []


def test_check_and_rebuild_cover_the_window_totals(contest, people):
    ann, ben = people[:2]
    approve(submitted(ann))
    approve(submitted(ben))
    BoardTotal.objects.filter(contest=contest, user=ann, period=Period.WEEK, category=0).update(points=99)
    BoardScoreCount.objects.filter(contest=None, period=Period.WHOLE).delete()
    tables = {difference.table for difference in services.standings_differences()}
    assert tables == {"board_total", "board_score_count"}
    out = call_command_output("check_standings", expect_error=True)
    assert "board_total" in out
    services.rebuild_standings()
    assert services.standings_differences() == []
    assert BoardTotal.objects.get(contest=contest, user=ann, period=Period.WEEK, category=0).points == 10


def call_command_output(name, *, expect_error=False):
    import io

    from django.core.management.base import CommandError

    err = io.StringIO()
    try:
        call_command(name, stderr=err, stdout=io.StringIO())
    except CommandError:
        assert expect_error
    return err.getvalue()


def test_a_disqualified_person_leaves_the_window_boards(contest, people):
    ann, ben = people[:2]
    approve(submitted(ann))
    approve(submitted(ann))
    approve(submitted(ben))
    services.disqualify(contest=contest, user=ann, reason="Copied", actor=AdminFactory(username="ada"))
    today = board(contest, ann, window="today")
    assert summary(today) == [(1, "ben", 10)] and today.excluded
    # All time keeps ann's standard points (20) and drops her voided contest points; ben got
    # to 20 before the voiding, ann's latest change.
    assert summary(board(None, ben, window="today")) == [(1, "ben", 20), (2, "ann", 20)]
    assert services.standings_differences() == []


@pytest.mark.parametrize("query", ["window=week", "window=today", "category=open_qa", "window=today&category=open_qa"])
def test_board_pages_make_a_bounded_number_of_queries(
    contest, people, client_for, query, django_assert_max_num_queries
):
    for i in range(12):
        approve(submitted(UserFactory(username=f"p{i}")))
    viewer = people[0]
    approve(submitted(viewer))
    client = client_for(viewer)
    url = reverse("contest-leaderboard", args=[contest.slug]) + f"?limit=5&{query}"
    client.get(url)
    with django_assert_max_num_queries(16):
        response = client.get(url)
    assert response.status_code == 200 and "p0" in response.content.decode()
    for i in range(12, 40):  # more people on the board: not one query more
        approve(submitted(UserFactory(username=f"p{i}")))
    with django_assert_max_num_queries(16):
        assert client.get(url).status_code == 200
