"""The running totals every ledger write carries over: standings, score histograms, teams, boards.

Everything here runs inside the ledger writer's transaction, after ``serialise_ledger_writers``
(see the package docstring): nobody else creates or changes these rows meanwhile, which is
what lets a missing row be created after an UPDATE found nothing to change.

The entries one event writes (an approval's all-time and contest entries, a disqualification's
voids) are carried over together by ``apply_entries``: one statement per running total
whatever the number of entries and boards, written as portable SQL (SQLite and PostgreSQL
alike); the ORM equivalent costs several times more in query building than in the database.
Identifiers are composed with ``psycopg2.sql``; every value is a parameter.
"""

import datetime
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from core.locks import transaction_lock

from ..models import (
    EVERY_CATEGORY,
    BoardScoreCount,
    CategoryProgress,
    Period,
    ScoreCount,
    Standing,
    TeamBoardTotal,
    TeamStanding,
)
from ..sql import execute, sql, table
from .board_rows import write_board_rows

LEDGER_WRITER_LOCK = 0x1EDC_E4B0  # any bigint; one per database


def serialise_ledger_writers():
    """Wait for any other ledger writer's transaction to end (precondition: inside a transaction)."""
    transaction_lock(LEDGER_WRITER_LOCK)


def board_zone(contest):
    """Where a board's days and weeks are counted: the contest's zone, the site's for all time."""
    return contest.zone if contest is not None else timezone.get_default_timezone()


def local_day(contest, at):
    return timezone.localtime(at, board_zone(contest)).date()


def week_start(day):
    """The Monday of ``day``'s week."""
    return day - datetime.timedelta(days=day.weekday())


def board_keys(contest, at, category_id):
    """The (period, key, category) of every window and category board an entry created at ``at`` counts on."""
    day = local_day(contest, at)
    windows = [(Period.DAY, day.toordinal()), (Period.WEEK, week_start(day).toordinal())]
    keys = [(period, key, EVERY_CATEGORY) for period, key in windows]
    if category_id is not None:
        keys += [(period, key, category_id) for period, key in windows] + [(Period.WHOLE, 0, category_id)]
    return keys


@dataclass(frozen=True)
class Person:
    """A person's totals on a contest's board and the all-time board, read under the writer lock."""

    user_id: int
    team: str
    disqualified: bool
    points: int
    all_time_points: int


@dataclass(frozen=True)
class Write:
    """One ledger entry to carry over: ``contest`` None is the all-time board."""

    contest: object
    person: Person
    delta: int
    counted: int = 0
    category_id: int | None = None


def _board_condition(column, contest_id):
    if contest_id is None:
        return sql.SQL("{} IS NULL").format(sql.Identifier(column)), []
    return sql.SQL("{} = %s").format(sql.Identifier(column)), [contest_id]


def _key_condition(key_columns, contest_id, key):
    contest_condition, params = _board_condition("contest_id", contest_id)
    parts = [contest_condition] + [sql.SQL("{} = %s").format(sql.Identifier(name)) for name in key_columns]
    return sql.SQL("({})").format(sql.SQL(" AND ").join(parts)), [*params, *key]


def add_amounts(model, key_columns, amounts, *, value_column, reached_at=None):
    """Add ``amounts[(contest_id, *key)]`` to ``value_column`` of each row in one UPDATE; insert the missing rows.

    The UPDATE returns the keys it found (``RETURNING``: PostgreSQL, and SQLite since 3.35), so a
    missing row costs one INSERT and no lookup.

    ``key_columns`` name the key's columns after ``contest_id``.  With ``reached_at``, the
    ``reached_at`` of each row whose amount is not 0 becomes the later of its own and that one.
    """
    keys = list(amounts)
    conditions = [_key_condition(key_columns, contest_id, key) for contest_id, *key in keys]
    cases = sql.SQL(" ").join(sql.SQL("WHEN {} THEN %s").format(condition) for condition, _params in conditions)
    case_params = []
    for (_condition, params), key in zip(conditions, keys, strict=True):
        case_params += [*params, amounts[key]]
    value = sql.Identifier(value_column)
    later, later_params = sql.SQL(""), []
    moved = [condition for condition, key in zip(conditions, keys, strict=True) if amounts[key]]
    if reached_at is not None and moved:
        stamp = connection.ops.adapt_datetimefield_value(reached_at)
        later = sql.SQL(
            ", reached_at = CASE WHEN ({}) AND (reached_at IS NULL OR reached_at < %s) THEN %s ELSE reached_at END"
        ).format(sql.SQL(" OR ").join(condition for condition, _params in moved))
        later_params = [value for _condition, params in moved for value in params] + [stamp, stamp]
    query = sql.SQL(
        "UPDATE {table} SET {value} = {value} + CASE {cases} ELSE 0 END{later} WHERE {where} RETURNING {returned}"
    ).format(
        table=table(model),
        value=value,
        cases=cases,
        later=later,
        where=sql.SQL(" OR ").join(condition for condition, _params in conditions),
        returned=sql.SQL(", ").join(sql.Identifier(name) for name in ["contest_id", *key_columns]),
    )
    where_params = [value for _condition, params in conditions for value in params]
    rows, _count = execute(query, [*case_params, *later_params, *where_params])
    existing = {tuple(row) for row in rows}
    timed = reached_at is not None
    missing = [key for key in keys if key not in existing]
    if missing:
        model.objects.bulk_create(
            [
                model(
                    contest_id=key[0],
                    **dict(zip(key_columns, key[1:], strict=True)),
                    **{value_column: amounts[key]},
                    **({"reached_at": reached_at if amounts[key] else None} if timed else {}),
                )
                for key in missing
            ]
        )


def _net(changes):
    net = {}
    for key, change in changes:
        net[key] = net.get(key, 0) + change
    return {key: change for key, change in net.items() if change}


def shift_scores(changes):
    """Apply [((contest_id, points), change)] to the whole-board score histograms."""
    net = _net(changes)
    if net:
        add_amounts(ScoreCount, ["points"], net, value_column="holders")


def shift_board_scores(changes):
    """Apply [((contest_id, period, key, category, points), change)] to the window and category histograms."""
    net = _net(changes)
    if net:
        add_amounts(BoardScoreCount, ["period", "key", "category", "points"], net, value_column="holders")


def moves(board, old, new):
    """The histogram changes of one row whose points go from ``old`` (None: a new row) to ``new``."""
    if old == new:
        return []
    return ([((*board, old), -1)] if old is not None else []) + [((*board, new), 1)]


def _sums(pairs):
    sums = {}
    for key, amount in pairs:
        sums[key] = sums.get(key, 0) + amount
    return sums


def apply_entries(writes, at):
    """Carry the entries of one person created at ``at`` over to every running total, together.

    Each write's ``person`` holds the totals read (under the lock) before any of them: the
    all-time board takes every entry; a contest's board its own.
    """
    first = writes[0].person
    user_id, team, all_time = first.user_id, first.team, first.all_time_points
    total = sum(write.delta for write in writes)
    per_contest = _sums((write.contest.pk, write.delta) for write in writes if write.contest is not None)
    people = {write.contest.pk: write.person for write in writes if write.contest is not None}
    standings = {(None,): total, **{(contest_id,): delta for contest_id, delta in per_contest.items()}}
    moved = {(contest_id, user_id): amount for (contest_id,), amount in standings.items() if amount}
    if moved:
        add_amounts(Standing, ["user_id"], moved, value_column="points", reached_at=at)
        changes = moves((None,), all_time, all_time + total)
        for contest_id, delta in per_contest.items():
            if not people[contest_id].disqualified:
                changes += moves((contest_id,), people[contest_id].points, people[contest_id].points + delta)
        shift_scores(changes)
    if team:
        teams = {(contest_id, team): amount for (contest_id,), amount in standings.items()}
        add_amounts(TeamStanding, ["team"], teams, value_column="points", reached_at=at)
    progress = _sums(
        ((write.contest.pk, write.category_id), write.counted)
        for write in writes
        if write.counted and write.contest is not None
    )
    progress = {key: amount for key, amount in progress.items() if amount}
    if progress:
        add_amounts(CategoryProgress, ["category_id"], progress, value_column="approved")
    _apply_to_boards(writes, at, people)


def _apply_to_boards(writes, at, people):
    """Add each write to the person's day, week and category boards of its contest and of all time."""
    amounts = {}
    for write in writes:
        for contest in (None, write.contest) if write.contest is not None else (None,):
            for key in board_keys(contest, at, write.category_id):
                board = (contest.pk if contest is not None else None, *key)
                amounts[board] = amounts.get(board, 0) + write.delta
    person = writes[0].person
    excluded = {contest_id for contest_id, person in people.items() if person.disqualified}
    old = write_board_rows(person.user_id, amounts, at, excluded)
    changes, teams = [], {}
    for board, amount in amounts.items():
        if board[0] in excluded:
            continue
        changes += moves(board, old.get(board), old.get(board, 0) + amount)
        teams[(*board, person.team)] = amount
    shift_board_scores(changes)
    if person.team and teams:
        add_amounts(TeamBoardTotal, ["period", "key", "category", "team"], teams, value_column="points", reached_at=at)
