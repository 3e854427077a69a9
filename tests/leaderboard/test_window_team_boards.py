"""Window, category and team boards read from running totals; approvals write them in few statements."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Profile
from annotations.models import Category, Demonstration, Review, Status
from leaderboard import services
from leaderboard.models import BoardTotal, Disqualification, Period, PointEntry, Reason, TeamBoardTotal
from leaderboard.selectors import BoardQuery, leaderboard
from tests.factories import AdminFactory, ReviewerFactory, UserFactory

from .conftest import approve, make_contest, submitted

pytestmark = pytest.mark.django_db

TEAMS = {"ann": "Red", "ben": "Red", "cat": "Blue", "dan": ""}


@pytest.fixture
def crew(db):
    people = {}
    for name, team in TEAMS.items():
        person = UserFactory(username=name)
        services.set_team(user=person, team=team)
        people[name] = person
    return people


def expected_rows(contest, *, scope, window, category):
    """The board as the ledger says it should be: (name, points), best first (ties by who got there first)."""
    zone = contest.zone if contest is not None else timezone.get_default_timezone()
    today = timezone.localtime(timezone.now(), zone).date()
    start = {"contest": None, "today": today, "week": today - datetime.timedelta(days=today.weekday())}[window]
    disqualified = set(Disqualification.objects.filter(contest=contest).values_list("user_id", flat=True))
    entries = PointEntry.objects.all() if contest is None else PointEntry.objects.filter(contest=contest)
    totals = {}
    for entry in entries.select_related("user__profile").order_by("created_at", "id"):
        if start is not None and timezone.localtime(entry.created_at, zone).date() < start:
            continue
        if category is not None and entry.category_id != category.pk:
            continue
        if entry.user_id in disqualified:
            continue
        name = entry.user.username if scope == "people" else entry.user.profile.team
        if not name:
            continue
        points, reached = totals.get(name, (0, None))
        totals[name] = (points + entry.points, entry.created_at if entry.points else reached)
    far = timezone.now() + datetime.timedelta(days=1)
    ordered = sorted(totals.items(), key=lambda item: (-item[1][0], item[1][1] or far, item[0]))
    return [(name, points) for name, (points, _reached) in ordered]


def shown(contest, viewer, **query):
    board = leaderboard(contest=contest, query=BoardQuery(**query), viewer=viewer)
    return [(row.name, row.points) for row in board.rows], board


def backdate(person, contest, *, days, points, category):
    """A ledger entry made ``days`` ago (on the contest's board and all time), as an earlier approval left it."""
    at = timezone.now() - datetime.timedelta(days=days)
    for board in (None, contest):
        PointEntry.objects.create(
            contest=board,
            user=person,
            reason=Reason.REVIEW,
            points=points,
            category=category,
            day=timezone.localtime(at, contest.zone).date(),
            created_at=at,
        )


@pytest.mark.parametrize("scope", ["people", "teams"])
@pytest.mark.parametrize("window", ["contest", "today", "week"])
@pytest.mark.parametrize("by_category", [False, True])
def test_every_board_is_its_running_totals_and_agrees_with_the_ledger(crew, scope, window, by_category):
    contest = make_contest(time_zone="Pacific/Auckland")
    open_qa, closed_qa = Category.objects.get(key="open_qa"), Category.objects.get(key="closed_qa")
    backdate(crew["cat"], contest, days=1, points=7, category=open_qa)
    backdate(crew["dan"], contest, days=9, points=40, category=open_qa)
    backdate(crew["ben"], contest, days=3, points=25, category=closed_qa)
    services.rebuild_standings()
    approve(submitted(crew["ann"]))
    approve(submitted(crew["ben"]))
    approve(submitted(crew["ann"], category="closed_qa", context="Some text.", source_url="https://en.wikipedia.org/"))
    approve(submitted(crew["dan"]))
    approve(submitted(crew["cat"]))
    category = open_qa if by_category else None
    for board in (contest, None):
        rows, result = shown(board, crew["cat"], scope=scope, window=window, category=category)
        assert rows == expected_rows(board, scope=scope, window=window, category=category)
        assert rows, "every combination has someone on it"
        if scope == "teams":
            assert result.me is not None and result.me.name == "Blue"
    assert services.standings_differences() == []


def test_a_window_and_category_board_pins_the_viewer_with_rank_and_gap(crew):
    contest = make_contest()
    for name, count in (("ann", 3), ("ben", 2), ("cat", 1)):
        for _ in range(count):
            approve(submitted(crew[name]))
    approve(submitted(crew["dan"], category="closed_qa", context="Some text.", source_url="https://en.wikipedia.org/"))
    open_qa = Category.objects.get(key="open_qa")
    _rows, board = shown(contest, crew["cat"], window="today", category=open_qa, limit=1)
    assert (board.me.rank, board.me.points, board.me.gap) == (3, 10, 10)
    _rows, teams = shown(contest, crew["cat"], scope="teams", window="week", category=open_qa, limit=1)
    assert [(row.name, row.points) for row in teams.rows] == [("Red", 50)]
    assert (teams.me.name, teams.me.rank, teams.me.points, teams.me.gap) == ("Blue", 2, 10, 40)


def test_team_boards_follow_a_move_and_a_disqualification(crew):
    contest = make_contest()
    approve(submitted(crew["ann"]))
    approve(submitted(crew["ben"]))
    approve(submitted(crew["cat"]))
    services.set_team(user=crew["ben"], team="Blue")
    assert shown(contest, crew["dan"], scope="teams", window="today")[0] == [("Blue", 20), ("Red", 10)]
    assert services.standings_differences() == []
    services.disqualify(contest=contest, user=crew["cat"], reason="Copied", actor=AdminFactory(username="ada"))
    rows = shown(contest, crew["dan"], scope="teams", window="week")[0]
    assert rows == expected_rows(contest, scope="teams", window="week", category=None) == [("Red", 10), ("Blue", 10)]
    assert services.standings_differences() == []


def test_check_finds_drift_in_the_new_totals_and_rebuild_fixes_it(crew):
    contest = make_contest()
    approve(submitted(crew["ann"]))
    approve(submitted(crew["cat"]))
    open_qa = Category.objects.get(key="open_qa")
    BoardTotal.objects.filter(contest=contest, user=crew["ann"], period=Period.DAY, category=open_qa.pk).update(
        points=3
    )
    TeamBoardTotal.objects.filter(contest=None, team="Blue", period=Period.WEEK).delete()
    TeamBoardTotal.objects.create(contest=contest, period=Period.WHOLE, key=0, category=open_qa.pk, team="Ghosts")
    found = {(difference.table, difference.stored) for difference in services.standings_differences()}
    assert {table for table, _stored in found} == {"board_total", "team_board_total"}
    assert ("team_board_total", None) in found  # the deleted rows
    out = io.StringIO()
    call_command("rebuild_standings", "--dry-run", stdout=out)
    assert "team_board_total: 3 would change" in out.getvalue()
    assert TeamBoardTotal.objects.filter(team="Ghosts").exists()
    quiet = io.StringIO()
    call_command("rebuild_standings", verbosity=0, stdout=quiet)
    assert quiet.getvalue() == ""
    assert services.standings_differences() == []
    assert not TeamBoardTotal.objects.filter(team="Ghosts").exists()
    detailed = io.StringIO()
    call_command("rebuild_standings", verbosity=2, stdout=detailed)
    assert "team_board_total:" in detailed.getvalue() and "Rebuilt 7 tables" in detailed.getvalue()


def test_the_data_migration_fills_the_boards_from_the_ledger(crew):
    from leaderboard.services import recompute

    contest = make_contest()
    approve(submitted(crew["ann"]))
    approve(submitted(crew["cat"]))
    before = services.standings_differences()
    for model in (BoardTotal, TeamBoardTotal):
        model.objects.all().delete()
    for name in recompute.BOARD_TABLES:
        recompute.rebuild_table(name)
    assert before == services.standings_differences() == []
    assert BoardTotal.objects.filter(contest=contest).count() == 2 * 5


def _approve_counting_queries(demonstration, assert_queries, limit):
    reviewer = ReviewerFactory(username="approver")
    with transaction.atomic():
        locked = Demonstration.objects.select_for_update().select_related("category").get(pk=demonstration.pk)
        locked.status = Status.APPROVED
        locked.save(update_fields=["status"])
        review = Review.objects.create(demonstration=locked, reviewer=reviewer, decision="approve", round=1)
        with assert_queries(limit):
            entries = services.on_demonstration_approved(locked, review=review)
    return entries


def _writes_limit(statements=14, *, remembered=False):
    """Contests, then the writer lock with the context, then the entries and every running total:
    three round trips on PostgreSQL, two once the contests are ``remembered`` (checked with the
    context); SQLite (in-process, no lock) runs the same ``statements`` one by one."""
    if connection.vendor == "postgresql":
        return 2 if remembered else 3
    return 2 + statements


def test_an_approval_writes_both_entries_and_every_total_in_few_statements(crew, django_assert_max_num_queries):
    contest = make_contest()
    Profile.objects.filter(user=crew["ann"]).update(team="Red")
    # A new person on new boards: every row is created by the same statements that add to it.
    first = _approve_counting_queries(submitted(crew["ann"]), django_assert_max_num_queries, _writes_limit())
    assert [entry.contest_id for entry in first] == [None, contest.pk]
    assert all(entry.pk for entry in first)
    limit = _writes_limit(remembered=True)
    again = _approve_counting_queries(submitted(crew["ann"]), django_assert_max_num_queries, limit)
    assert [entry.points for entry in again] == [10, 10]
    assert services.standings_differences() == []


def test_reviewer_points_write_every_total_in_few_statements(crew, django_assert_max_num_queries):
    make_contest(review_points=2)
    Profile.objects.filter(user=crew["ben"]).update(team="Red")
    reviewer = crew["ben"]
    for round_ in range(2):
        demonstration = submitted(crew["ann"])
        with transaction.atomic():
            review = Review.objects.create(demonstration=demonstration, reviewer=reviewer, decision="approve", round=1)
            with django_assert_max_num_queries(_writes_limit(13, remembered=round_ > 0)):  # no category progress
                entries = services.on_review_recorded(review)
        assert [entry.points for entry in entries] == [2]
    assert services.standings_differences() == []
