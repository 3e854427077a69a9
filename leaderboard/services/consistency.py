"""Checking the running totals against the ledger, and rebuilding them from it."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max, Q, Sum
from django.db.models.functions import TruncDate

from accounts.models import Profile

from ..models import (
    BoardScoreCount,
    BoardTotal,
    CategoryProgress,
    Contest,
    Disqualification,
    Period,
    PointEntry,
    ScoreCount,
    Standing,
    TeamStanding,
)
from .awards import AWARD_REASONS
from .totals import board_zone, serialise_ledger_writers, week_start

TOTALS = {"total": Sum("points"), "latest": Max("created_at", filter=~Q(points=0))}


@dataclass
class Difference:
    table: str
    key: tuple
    expected: tuple | None
    stored: tuple | None

    def __str__(self):
        return f"{self.table} {self.key}: ledger says {self.expected}, stored {self.stored}"


def _later(first, second):
    if first is None:
        return second
    return first if second is None or first >= second else second


def _expected_people():
    """{(contest_id, user_id): (points, reached_at, disqualified)}; all time is every entry of the person."""
    people = {}
    for row in PointEntry.objects.exclude(contest=None).values("contest_id", "user_id").annotate(**TOTALS).order_by():
        people[(row["contest_id"], row["user_id"])] = (row["total"], row["latest"], False)
    for row in PointEntry.objects.values("user_id").annotate(**TOTALS).order_by():
        people[(None, row["user_id"])] = (row["total"], row["latest"], False)
    for contest_id, user_id in Disqualification.objects.values_list("contest_id", "user_id"):
        points, reached_at, _disqualified = people.get((contest_id, user_id), (0, None, False))
        people[(contest_id, user_id)] = (points, reached_at, True)
        people.setdefault((None, user_id), (0, None, False))
    return people


def _expected_teams(people):
    """A team's total is the sum over its current members."""
    team_of = dict(Profile.objects.exclude(team="").values_list("user_id", "team"))
    teams = {}
    for (contest_id, user_id), (points, reached_at, _disqualified) in people.items():
        team = team_of.get(user_id)
        if team:
            total, latest = teams.get((contest_id, team), (0, None))
            teams[(contest_id, team)] = (total + points, _later(latest, reached_at))
    return teams


def _expected_progress():
    rows = (
        PointEntry.objects.exclude(category_id=None)
        .exclude(contest=None)
        .filter(reason__in=AWARD_REASONS)
        .values("contest_id", "category_id")
        .annotate(approved=Sum("counted"))
        .order_by()
    )
    return {(row["contest_id"], row["category_id"]): (row["approved"],) for row in rows}


def _histogram(rows):
    """{(*board, points): (holders,)} over the rows not disqualified; ``rows``: {(*board, user): (points, _, dq)}."""
    scores = {}
    for (*board, _user_id), (points, _reached_at, disqualified) in rows.items():
        if not disqualified:
            key = (*board, points)
            scores[key] = (scores.get(key, (0,))[0] + 1,)
    return scores


def _add(rows, key, points, latest, disqualified):
    total, reached_at, _dq = rows.get(key, (0, None, disqualified))
    rows[key] = (total + points, _later(reached_at, latest), disqualified)


def _expected_boards(disqualified):
    """{(contest_id, period, key, user_id): (points, reached_at, disqualified)} for the window and category boards."""
    rows = {}
    contests = {contest.pk: contest for contest in Contest.objects.all()}
    for contest_id in [None, *contests]:
        zone = board_zone(contests.get(contest_id))
        entries = PointEntry.objects.all() if contest_id is None else PointEntry.objects.filter(contest_id=contest_id)
        days = entries.annotate(local=TruncDate("created_at", tzinfo=zone)).values("user_id", "local")
        for row in days.annotate(**TOTALS).order_by():
            excluded = (contest_id, row["user_id"]) in disqualified
            day, week = row["local"].toordinal(), week_start(row["local"]).toordinal()
            rows[(contest_id, Period.DAY, day, row["user_id"])] = (row["total"], row["latest"], excluded)
            _add(rows, (contest_id, Period.WEEK, week, row["user_id"]), row["total"], row["latest"], excluded)
        categories = entries.exclude(category=None).values("user_id", "category_id").annotate(**TOTALS).order_by()
        for row in categories:
            key = (contest_id, Period.CATEGORY, row["category_id"], row["user_id"])
            rows[key] = (row["total"], row["latest"], (contest_id, row["user_id"]) in disqualified)
    return rows


def _expected_totals():
    """Every running total as the ledger says it should be, keyed like the tables (see ``TABLES``)."""
    people = _expected_people()
    disqualified = {key for key, (_points, _reached_at, excluded) in people.items() if excluded}
    boards = _expected_boards(disqualified)
    return {
        "standing": people,
        "team_standing": _expected_teams(people),
        "category_progress": _expected_progress(),
        "score_count": _histogram(people),
        "board_total": boards,
        "board_score_count": _histogram(boards),
    }


# table name: (model, key fields, value fields, the value of a missing row)
TABLES = {
    "standing": (Standing, ("contest_id", "user_id"), ("points", "reached_at", "disqualified"), None),
    "team_standing": (TeamStanding, ("contest_id", "team"), ("points", "reached_at"), None),
    "category_progress": (CategoryProgress, ("contest_id", "category_id"), ("approved",), (0,)),
    "score_count": (ScoreCount, ("contest_id", "points"), ("holders",), (0,)),
    "board_total": (
        BoardTotal,
        ("contest_id", "period", "key", "user_id"),
        ("points", "reached_at", "disqualified"),
        None,
    ),
    "board_score_count": (BoardScoreCount, ("contest_id", "period", "key", "points"), ("holders",), (0,)),
}


def _stored_totals():
    stored = {}
    for name, (model, keys, values, _empty) in TABLES.items():
        width = len(keys)
        stored[name] = {row[:width]: row[width:] for row in model.objects.values_list(*keys, *values).iterator(5000)}
    return stored


def _sort_key(key):
    return (key[0] is not None, key[0] or 0, *(str(part) for part in key[1:]))


def _differences(expected, stored):
    differences = []
    for name, (_model, _keys, _values, empty) in TABLES.items():
        want, have = expected[name], stored[name]
        keys = [key for key in set(want) | set(have) if want.get(key, empty) != have.get(key, empty)]
        for key in sorted(keys, key=_sort_key):
            differences.append(Difference(name, key, want.get(key, empty), have.get(key, empty)))
    return differences


def standings_differences():
    """What differs between the running totals and the ledger (empty when they agree)."""
    return _differences(_expected_totals(), _stored_totals())


def _rewrite(name, rows):
    model, keys, values, _empty = TABLES[name]
    model.objects.all().delete()
    model.objects.bulk_create(
        (
            model(**dict(zip(keys, key, strict=True)), **dict(zip(values, value, strict=True)))
            for key, value in rows.items()
        ),
        batch_size=5000,
    )


@transaction.atomic
def rebuild_standings(*, dry_run=False):
    """Recompute every running total from the ledger; returns the differences it found (and fixed).

    A table with any difference is rewritten whole from the ledger (bulk inserts), holding the
    ledger writer lock so that no entry is added meanwhile; readers keep seeing the old totals
    until the commit.
    """
    serialise_ledger_writers()
    expected = _expected_totals()
    differences = _differences(expected, _stored_totals())
    if dry_run:
        transaction.set_rollback(True)
        return differences
    for name in {difference.table for difference in differences}:
        _rewrite(name, expected[name])
    return differences
