"""The running totals every ledger write carries over: standings, score histograms, teams, boards.

Everything here runs inside the ledger writer's transaction, after ``serialise_ledger_writers``
(see the package docstring): nobody else creates or changes these rows meanwhile, which is
what lets a missing row be created after an UPDATE found nothing to change.

The hot path is written as a few portable SQL statements (SQLite and PostgreSQL alike): one
statement per running total.  The ORM equivalent costs several times more in query building
than in the database.  Identifiers are composed with ``psycopg2.sql``; every value is a parameter.
"""

import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from core.locks import transaction_lock

from ..models import BoardScoreCount, BoardTotal, CategoryProgress, Period, ScoreCount, Standing, TeamStanding
from ..sql import execute, sql, table

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
    """The (period, key) of every window and category board an entry created at ``at`` counts on."""
    day = local_day(contest, at)
    keys = [(Period.DAY, day.toordinal()), (Period.WEEK, week_start(day).toordinal())]
    if category_id is not None:
        keys.append((Period.CATEGORY, category_id))
    return keys


@dataclass(frozen=True)
class Person:
    """A person's totals on a contest's board and the all-time board, read under the writer lock."""

    user_id: int
    team: str
    disqualified: bool
    points: int
    all_time_points: int


def _board_condition(column, contest_id):
    if contest_id is None:
        return sql.SQL("{} IS NULL").format(sql.Identifier(column)), []
    return sql.SQL("{} = %s").format(sql.Identifier(column)), [contest_id]


def add_amounts(model, key_columns, amounts, *, value_column, reached_at=None):
    """Add ``amounts[(contest_id, *key)]`` to ``value_column`` of each row in one UPDATE; create missing rows.

    ``key_columns`` name the key's columns after ``contest_id``.  With ``reached_at``, each
    row's ``reached_at`` becomes the later of its own and that one.
    """
    keys = list(amounts)
    conditions, condition_params = [], []
    for contest_id, *key in keys:
        contest_condition, params = _board_condition("contest_id", contest_id)
        parts = [contest_condition] + [sql.SQL("{} = %s").format(sql.Identifier(name)) for name in key_columns]
        conditions.append(sql.SQL("({})").format(sql.SQL(" AND ").join(parts)))
        condition_params.append([*params, *key])
    cases = sql.SQL(" ").join(sql.SQL("WHEN {} THEN %s").format(condition) for condition in conditions)
    case_params = []
    for params, key in zip(condition_params, keys, strict=True):
        case_params += [*params, amounts[key]]
    value = sql.Identifier(value_column)
    later, later_params = sql.SQL(""), []
    if reached_at is not None:
        stamp = connection.ops.adapt_datetimefield_value(reached_at)
        later = sql.SQL(", reached_at = CASE WHEN reached_at IS NULL OR reached_at < %s THEN %s ELSE reached_at END")
        later_params = [stamp, stamp]
    query = sql.SQL("UPDATE {table} SET {value} = {value} + CASE {cases} ELSE 0 END{later} WHERE {where}").format(
        table=table(model), value=value, cases=cases, later=later, where=sql.SQL(" OR ").join(conditions)
    )
    _rows, updated = execute(query, [*case_params, *later_params, *(v for params in condition_params for v in params)])
    if updated == len(keys):
        return
    lookup = Q()
    for contest_id, *key in keys:
        fields = dict(zip(key_columns, key, strict=True))
        lookup |= Q(contest_id=contest_id, **fields) if contest_id is not None else Q(contest__isnull=True, **fields)
    existing = set(model.objects.filter(lookup).values_list("contest_id", *key_columns))
    extra = {"reached_at": reached_at} if model is TeamStanding else {}
    model.objects.bulk_create(
        [
            model(contest_id=key[0], **dict(zip(key_columns, key[1:], strict=True)), **values, **extra)
            for key, values in ((key, {value_column: amounts[key]}) for key in keys)
            if key not in existing
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
    """Apply [((contest_id, period, key, points), change)] to the window and category histograms."""
    net = _net(changes)
    if net:
        add_amounts(BoardScoreCount, ["period", "key", "points"], net, value_column="holders")


def moves(board, old, new):
    """The histogram changes of one row whose points go from ``old`` (None: a new row) to ``new``."""
    if old == new:
        return []
    return ([((*board, old), -1)] if old is not None else []) + [((*board, new), 1)]


_STANDINGS = sql.SQL(
    "UPDATE {} SET points = points + %(delta)s, reached_at = CASE "
    "WHEN reached_at IS NULL OR reached_at < %(at)s THEN %(at)s ELSE reached_at END "
    "WHERE user_id = %(u)s AND (contest_id = %(c)s OR contest_id IS NULL)"
).format(table(Standing))

_PROGRESS = sql.SQL("UPDATE {} SET approved = approved + %s WHERE contest_id = %s AND category_id = %s").format(
    table(CategoryProgress)
)


def apply_entry(contest, person, delta, at, *, counted=0, category_id=None):
    """Carry one ledger entry (``contest`` None: all time) over to every running total."""
    contest_id = contest.pk if contest is not None else None
    if delta:
        stamp = connection.ops.adapt_datetimefield_value(at)
        execute(_STANDINGS, {"delta": delta, "at": stamp, "u": person.user_id, "c": contest_id}, name="standings")
        changes = moves((None,), person.all_time_points, person.all_time_points + delta)
        if contest is not None and not person.disqualified:
            changes += moves((contest_id,), person.points, person.points + delta)
        shift_scores(changes)
    if person.team:
        teams = {(None, person.team): delta}
        if contest is not None:
            teams[(contest_id, person.team)] = delta
        add_amounts(TeamStanding, ["team"], teams, value_column="points", reached_at=at if delta else None)
    if counted and contest is not None:
        execute(_PROGRESS, [counted, contest_id, category_id], name="progress")
    apply_to_boards(contest, person, delta, at, category_id=category_id)


def _board_rows(user_id, boards):
    """{(contest_id, period, key): points} of the person's existing rows on ``boards``."""
    conditions, params = [], [user_id]
    for contest_id, period, key in boards:
        contest_condition, contest_params = _board_condition("contest_id", contest_id)
        conditions.append(sql.SQL("({} AND period = %s AND {} = %s)").format(contest_condition, sql.Identifier("key")))
        params += [*contest_params, period, key]
    query = sql.SQL("SELECT id, contest_id, period, {}, points FROM {} WHERE user_id = %s AND ({})").format(
        sql.Identifier("key"), table(BoardTotal), sql.SQL(" OR ").join(conditions)
    )
    rows, _count = execute(query, params)
    return {(contest_id, period, key): (row_id, points) for row_id, contest_id, period, key, points in rows}


def apply_to_boards(contest, person, delta, at, *, category_id=None):
    """Add ``delta`` to the person's day, week and category boards of ``contest`` and of all time.

    A person is on a board from their first entry on it, even one worth nothing.
    """
    boards = [(None, *key) for key in board_keys(None, at, category_id)]
    if contest is not None:
        boards += [(contest.pk, *key) for key in board_keys(contest, at, category_id)]
    existing = _board_rows(person.user_id, boards)
    if delta and existing:
        stamp = connection.ops.adapt_datetimefield_value(at)
        ids = [row_id for row_id, _points in existing.values()]
        query = sql.SQL(
            "UPDATE {} SET points = points + %s, reached_at = CASE "
            "WHEN reached_at IS NULL OR reached_at < %s THEN %s ELSE reached_at END WHERE id IN ({})"
        ).format(table(BoardTotal), sql.SQL(", ").join(sql.Placeholder() * len(ids)))
        execute(query, [delta, stamp, stamp, *ids])
    missing = [board for board in boards if board not in existing]
    BoardTotal.objects.bulk_create(
        [
            BoardTotal(
                contest_id=contest_id,
                period=period,
                key=key,
                user_id=person.user_id,
                points=delta,
                reached_at=at if delta else None,
                disqualified=contest_id is not None and person.disqualified,
            )
            for contest_id, period, key in missing
        ]
    )
    changes = []
    for board in boards:
        if board[0] is not None and person.disqualified:
            continue
        old = existing[board][1] if board in existing else None
        changes += moves(board, old, (old or 0) + delta)
    shift_board_scores(changes)
