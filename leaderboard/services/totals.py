"""The running totals every ledger write carries over: standings, score histograms, teams, boards.

Everything here runs inside the ledger writer's transaction, after ``serialise_ledger_writers``
(see the package docstring): nobody else changes these rows meanwhile, so the totals read
before a write (``context.read_contexts``) are still the totals when it is carried over, and
each histogram move (one holder off the old score, one onto the new) is known in advance.

The entries one event writes (an approval's all-time and contest entries, a disqualification's
voids) are carried over together by ``apply_entries``: one ``INSERT ... ON CONFLICT DO UPDATE``
per running total and kind of board (the all-time rows, whose contest is null, have their own
unique index, so their own statement), whatever the number of entries and boards, written as
portable SQL (SQLite since 3.35 and PostgreSQL alike); on PostgreSQL all of them and the
entries' insert travel in one round trip (``sql.execute_all``).  Identifiers are composed with
``psycopg2.sql``; every value is a parameter.
"""

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from core.locks import transaction_lock, transaction_lock_statement

from ..models import (
    EVERY_CATEGORY,
    BoardScoreCount,
    BoardTotal,
    CategoryProgress,
    Period,
    ScoreCount,
    Standing,
    TeamBoardTotal,
    TeamStanding,
)
from ..sql import execute, execute_all, render, sql, table

LEDGER_WRITER_LOCK = 0x1EDC_E4B0  # any bigint; one per database
BOARD_KEY = ["period", "key", "category"]


def serialise_ledger_writers():
    """Wait for any other ledger writer's transaction to end (precondition: inside a transaction)."""
    transaction_lock(LEDGER_WRITER_LOCK)


def ledger_writers_lock_statement():
    """``serialise_ledger_writers`` as a statement to send ahead of a read (see ``core.locks``), or None."""
    return transaction_lock_statement(LEDGER_WRITER_LOCK)


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


def touched_boards(writes, at):
    """The (contest_id, period, key, category) of every window and category board ``writes`` add to.

    ``writes``: [(contest or None, category_id)].  A contest's entry counts on the all-time
    boards too.
    """
    boards = {}
    for contest, category_id in writes:
        for board in (None, contest) if contest is not None else (None,):
            for key in board_keys(board, at, category_id):
                boards[(board.pk if board is not None else None, *key)] = None
    return list(boards)


@dataclass(frozen=True)
class Person:
    """A person's totals on a contest's board and the all-time board, read under the writer lock.

    ``new``: no standing on the contest's board yet (``points`` is then 0); ``new_all_time``
    likewise for the all-time board.  ``boards``: the points of their rows on the window and
    category boards that were read with them ({(contest_id, period, key, category): points},
    None for a row they do not have yet), or None when none were.
    """

    user_id: int
    team: str
    disqualified: bool
    points: int
    all_time_points: int
    new: bool = False
    new_all_time: bool = False
    boards: dict | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Write:
    """One ledger entry to carry over: ``contest`` None is the all-time board."""

    contest: object
    person: Person
    delta: int
    counted: int = 0
    category_id: int | None = None


_texts = {}


def _upsert_text(model, key_columns, rows, *, value_column, timed, flagged, all_time):
    """``INSERT ... VALUES (...) x rows ON CONFLICT (key) DO UPDATE`` adding to ``value_column``; cached."""
    cache = (model._meta.label, tuple(key_columns), rows, value_column, timed, flagged, all_time, connection.vendor)
    text = _texts.get(cache)
    if text is not None:
        return text
    columns = ["contest_id", *key_columns, value_column] + ["reached_at"] * timed + ["disqualified"] * flagged
    target = key_columns if all_time else ["contest_id", *key_columns]
    name, value, reached = table(model), sql.Identifier(value_column), sql.Identifier("reached_at")
    later = sql.SQL(
        ", {reached} = CASE WHEN excluded.{reached} IS NOT NULL AND ({name}.{reached} IS NULL "
        "OR {name}.{reached} < excluded.{reached}) THEN excluded.{reached} ELSE {name}.{reached} END"
    ).format(name=name, reached=reached)
    row = sql.SQL("({})").format(sql.SQL(", ").join(sql.Placeholder() * len(columns)))
    query = sql.SQL(
        "INSERT INTO {name} ({columns}) VALUES {rows} ON CONFLICT ({target}){partial} "
        "DO UPDATE SET {value} = {name}.{value} + excluded.{value}{later}"
    ).format(
        name=name,
        columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
        rows=sql.SQL(", ").join([row] * rows),
        target=sql.SQL(", ").join(map(sql.Identifier, target)),
        partial=sql.SQL(" WHERE {} IS NULL").format(sql.Identifier("contest_id")) if all_time else sql.SQL(""),
        value=value,
        later=later if timed else sql.SQL(""),
    )
    text = _texts[cache] = render(query)
    return text


def upserts(model, key_columns, amounts, *, value_column, at=None, disqualified=None):
    """The statements adding ``amounts[(contest_id, *key)]`` to ``value_column``, creating missing rows.

    ``key_columns`` name the key's columns after ``contest_id``.  With ``at``, the
    ``reached_at`` of each row whose amount is not 0 becomes the later of its own and ``at``
    (a new row's is ``at``, or null for 0).  With ``disqualified`` (a set of contest ids), a
    new row's ``disqualified`` says whether its contest is in it.  Returns [(text, params)]:
    at most two, the all-time rows and the contests' rows.
    """
    stamp = connection.ops.adapt_datetimefield_value(at) if at is not None else None
    statements = []
    for all_time in (True, False):
        params, rows = [], 0
        for key, amount in amounts.items():
            if (key[0] is None) != all_time:
                continue
            rows += 1
            params += [*key, amount]
            if at is not None:
                params.append(stamp if amount else None)
            if disqualified is not None:
                params.append(key[0] in disqualified)
        if rows:
            text = _upsert_text(
                model,
                key_columns,
                rows,
                value_column=value_column,
                timed=at is not None,
                flagged=disqualified is not None,
                all_time=all_time,
            )
            statements.append((text, params))
    return statements


def _net(changes):
    net = {}
    for key, change in changes:
        net[key] = net.get(key, 0) + change
    return {key: change for key, change in net.items() if change}


def shift_scores(changes):
    """Apply [((contest_id, points), change)] to the whole-board score histograms now."""
    execute_all(upserts(ScoreCount, ["points"], _net(changes), value_column="holders"))


def shift_board_scores(changes):
    """Apply [((contest_id, period, key, category, points), change)] to the window and category histograms now."""
    execute_all(upserts(BoardScoreCount, [*BOARD_KEY, "points"], _net(changes), value_column="holders"))


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
    """The statements carrying the entries of one person created at ``at`` over to every running total.

    Each write's ``person`` holds the totals read (under the lock) before any of them: the
    all-time board takes every entry; a contest's board its own.  Run them before anything
    else changes a total (``sql.execute_all``).
    """
    first = writes[0].person
    user_id, team = first.user_id, first.team
    people = {write.contest.pk: write.person for write in writes if write.contest is not None}
    before = {None: None if first.new_all_time else first.all_time_points}
    before.update({contest_id: None if person.new else person.points for contest_id, person in people.items()})
    amounts = {None: sum(write.delta for write in writes)}
    amounts.update(_sums((write.contest.pk, write.delta) for write in writes if write.contest is not None))
    standings = {
        (contest_id, user_id): amount for contest_id, amount in amounts.items() if amount or before[contest_id] is None
    }
    statements = upserts(Standing, ["user_id"], standings, value_column="points", at=at, disqualified=set())
    changes = []
    for contest_id, amount in amounts.items():
        if contest_id is None or not people[contest_id].disqualified:
            changes += moves((contest_id,), before[contest_id], (before[contest_id] or 0) + amount)
    statements += upserts(ScoreCount, ["points"], _net(changes), value_column="holders")
    if team:
        teams = {(contest_id, team): amount for contest_id, amount in amounts.items()}
        statements += upserts(TeamStanding, ["team"], teams, value_column="points", at=at)
    progress = _sums(
        ((write.contest.pk, write.category_id), write.counted)
        for write in writes
        if write.counted and write.contest is not None
    )
    progress = {key: amount for key, amount in progress.items() if amount}
    statements += upserts(CategoryProgress, ["category_id"], progress, value_column="approved")
    return statements + _apply_to_boards(writes, at, people)


def _board_points(user_id, boards):
    """{(contest_id, period, key, category): points} of the person's rows on ``boards`` (missing: None)."""
    conditions, params = [], [user_id]
    for contest_id, period, key, category in boards:
        board = sql.SQL("{} IS NULL" if contest_id is None else "{} = %s").format(sql.Identifier("contest_id"))
        conditions.append(
            sql.SQL("({} AND {} = %s AND {} = %s AND {} = %s)").format(board, *map(sql.Identifier, BOARD_KEY))
        )
        params += [*([] if contest_id is None else [contest_id]), period, key, category]
    query = sql.SQL("SELECT contest_id, period, {}, {}, points FROM {} WHERE user_id = %s AND ({})").format(
        *map(sql.Identifier, BOARD_KEY[1:]), table(BoardTotal), sql.SQL(" OR ").join(conditions)
    )
    rows, _count = execute(query, params)
    found = {tuple(row[:4]): row[4] for row in rows}
    return {board: found.get(board) for board in boards}


def _apply_to_boards(writes, at, people):
    """The statements adding each write to the person's day, week and category boards of its contest and of all time."""
    amounts = {}
    for write in writes:
        for board in touched_boards([(write.contest, write.category_id)], at):
            amounts[board] = amounts.get(board, 0) + write.delta
    person = writes[0].person
    before = dict(person.boards or {})
    unread = [board for board in amounts if board not in before]
    if unread:
        before.update(_board_points(person.user_id, unread))
    excluded = {contest_id for contest_id, person in people.items() if person.disqualified}
    rows = {(*board, person.user_id): amount for board, amount in amounts.items() if amount or before[board] is None}
    statements = upserts(BoardTotal, [*BOARD_KEY, "user_id"], rows, value_column="points", at=at, disqualified=excluded)
    changes, teams = [], {}
    for board, amount in amounts.items():
        if board[0] in excluded:
            continue
        changes += moves(board, before[board], (before[board] or 0) + amount)
        teams[(*board, person.team)] = amount
    statements += upserts(BoardScoreCount, [*BOARD_KEY, "points"], _net(changes), value_column="holders")
    if person.team and teams:
        statements += upserts(TeamBoardTotal, [*BOARD_KEY, "team"], teams, value_column="points", at=at)
    return statements
