"""What one ledger write decides on, read in one statement under the ledger writer lock."""

from dataclasses import dataclass

from django.db import connection

from accounts.models import Profile
from annotations.models import QualityFlag

from ..models import BoardTotal, CategoryProgress, PointEntry, Reason, Standing
from ..sql import execute_all, render, sql, table
from .totals import BOARD_KEY, Person, ledger_writers_lock_statement, shift_scores, touched_boards

DUPLICATE_FLAG_KINDS = ("exact_duplicate", "near_duplicate")


@dataclass(frozen=True)
class Context:
    """The person's totals and what the ledger already holds for the thing being awarded."""

    person: Person
    approved: int | None
    awards: int
    reversals: int
    net_points: int
    used: int
    duplicate_flag: str | None
    review_paid: bool

    @property
    def awarded(self):
        return self.awards > self.reversals


def _query(on_contest):
    """The context statement for a contest's board, or (``on_contest`` False) the all-time board."""
    board = sql.SQL("contest_id = %(c)s" if on_contest else "contest_id IS NULL")
    # The entries of one demonstration or one review are found by it, a handful of rows, and
    # only then filtered by board.  On the all-time board that filter is written
    # ``COALESCE(contest_id, 0) = 0`` so that no index can serve it: with ``IS NULL``, a ledger
    # holding few all-time entries (the statistics the generic plan is made from) leads the
    # planner to scan all of them instead.
    among = sql.SQL("contest_id = %(c)s" if on_contest else "COALESCE(contest_id, 0) = 0")
    entry, standing = table(PointEntry), table(Standing)
    return sql.SQL(
        """
        SELECT
          (SELECT points FROM {standing} WHERE {board} AND user_id = %(u)s),
          (SELECT disqualified FROM {standing} WHERE {board} AND user_id = %(u)s),
          (SELECT points FROM {standing} WHERE contest_id IS NULL AND user_id = %(u)s),
          (SELECT team FROM {profile} WHERE user_id = %(u)s),
          (SELECT approved FROM {progress} WHERE {board} AND category_id = %(cat)s),
          per_demo.awards,
          per_demo.reversals,
          per_demo.net,
          (SELECT COALESCE(SUM(points), 0) FROM {entry} WHERE {board} AND user_id = %(u)s AND day = %(day)s),
          (SELECT kind FROM {flag} WHERE demonstration_id = %(d)s AND kind IN (%(exact)s, %(near)s)
             ORDER BY id LIMIT 1),
          (SELECT COUNT(*) FROM {entry} WHERE review_id = %(r)s AND {among} AND reason = %(review)s)
        FROM (
          SELECT
            COUNT(*) FILTER (WHERE reason = %(approval)s) AS awards,
            COUNT(*) FILTER (WHERE reason = %(reversal)s) AS reversals,
            COALESCE(SUM(points), 0) AS net
          FROM {entry} WHERE demonstration_id = %(d)s AND {among} AND review_id IS NULL
        ) AS per_demo
        """
    ).format(
        standing=standing,
        board=board,
        profile=table(Profile),
        progress=table(CategoryProgress),
        among=among,
        entry=entry,
        flag=table(QualityFlag),
    )


def _params(contest, user_id, *, category_id, demonstration_id, review_id, day):
    return {
        "c": contest.pk if contest is not None else None,
        "u": user_id,
        "cat": category_id,
        "d": demonstration_id,
        "r": review_id,
        "day": connection.ops.adapt_datefield_value(day),
        "approval": Reason.APPROVAL,
        "reversal": Reason.APPROVAL_REVERSED,
        "review": Reason.REVIEW,
        "exact": DUPLICATE_FLAG_KINDS[0],
        "near": DUPLICATE_FLAG_KINDS[1],
    }


def _boards_query(boards):
    """The person's points on ``boards`` [(contest_id, period, key, category)], one row each they have.

    Shaped like a context row (index 1000 + the board's position, then the points), to go in
    the same statement.
    """
    conditions = []
    for index, (contest_id, *_key) in enumerate(boards):
        board = "contest_id IS NULL" if contest_id is None else f"contest_id = %(t{index}_c)s"
        keys = " AND ".join(f"{{}} = %(t{index}_{column})s" for column in BOARD_KEY)
        conditions.append(sql.SQL(f"({board} AND {keys})").format(*map(sql.Identifier, BOARD_KEY)))
    return sql.SQL("SELECT CASE {cases} END, points{nulls} FROM {table} WHERE user_id = %(t_u)s AND ({where})").format(
        cases=sql.SQL(" ").join(
            sql.SQL("WHEN {} THEN {}").format(condition, sql.SQL(str(1000 + index)))
            for index, condition in enumerate(conditions)
        ),
        nulls=sql.SQL(", NULL" * 10),
        table=table(BoardTotal),
        where=sql.SQL(" OR ").join(conditions),
    )


def _boards_params(user_id, boards):
    params = {"t_u": user_id}
    for index, (contest_id, period, key, category) in enumerate(boards):
        params.update({f"t{index}_c": contest_id, f"t{index}_period": period, f"t{index}_key": key})
        params[f"t{index}_category"] = category
    return params


_rendered = {}


CHECK_ROW = 3000  # the index of the row holding the fingerprint of the contests that count


def _statement(shape, boards_shape, check=None):
    """One SELECT per board (``shape``: whether each is a contest's), then the person's window and
    category boards (``boards_shape``: whether each is a contest's), then the row of ``check``
    (the text of a statement returning one text, see ``counting.Counting.check``), joined with
    UNION ALL; cached by shape.
    """
    key = (shape, boards_shape, check, connection.vendor)
    if key not in _rendered:
        parts = []
        for index, on_contest in enumerate(shape):
            text = render(_query(on_contest)).replace("%(", f"%(b{index}_")
            parts.append(text.replace("SELECT", f"SELECT {index},", 1))
        if boards_shape:
            boards = [(1 if on_contest else None, 0, 0, 0) for on_contest in boards_shape]
            parts.append(render(_boards_query(boards)))
        if check is not None:
            parts.append(f"SELECT {CHECK_ROW}, NULL, NULL, NULL, ({check}){', NULL' * 7}")
        _rendered[key] = " UNION ALL ".join(parts)
    return _rendered[key]


def read_contexts(user_id, boards, **options):
    """The context of a write on each board of ``boards`` (see ``read_checked_contexts``)."""
    return read_checked_contexts(user_id, boards, **options)[0]


def read_checked_contexts(user_id, boards, *, at=None, category_id=None, create=False, lock=False, check=None):
    """The context of a write on each board of ``boards``: [(contest or None, lookup)], in one statement.

    ``lookup``: ``category_id``, ``demonstration_id``, ``review_id``, ``day``.  With ``at``,
    each context's person also holds their rows on the window and category boards that
    entries created at ``at`` on these boards (of ``category_id``, or of each lookup's) add to
    (``Person.boards``), so carrying the entries over needs no other read.  With ``create``,
    the person's standings and the category's progress rows are created when they are new
    (safe because the caller holds the ledger writer lock, so nobody else creates them
    meanwhile); otherwise the write that follows creates what it needs.  With ``lock``, the
    ledger writer lock is taken first, in the same round trip (``serialise_ledger_writers``).
    ``check``: a ``counting.Counting`` whose fingerprint to read in the same statement
    (PostgreSQL only).  Returns (contexts, that fingerprint or None).
    """
    params = {}
    for index, (contest, lookup) in enumerate(boards):
        params.update(
            {f"b{index}_{name}": value for name, value in _params(contest, user_id, **_lookup(lookup)).items()}
        )
    touched = []
    if at is not None:
        writes = [
            (contest, category_id if category_id is not None else lookup.get("category_id"))
            for contest, lookup in boards
        ]
        touched = touched_boards(writes, at)
        params.update(_boards_params(user_id, touched))
    shape = tuple(contest is not None for contest, _lookup in boards)
    boards_shape = tuple(board[0] is not None for board in touched)
    check_text = None
    if check is not None:
        check_text, check_params = check.check()
        params.update(check_params)
    text = _statement(shape, boards_shape, check_text)
    locking = ledger_writers_lock_statement() if lock else None
    rows = sorted(execute_all([*([locking] if locking is not None else []), (text, params)]))
    fingerprint = None
    if check is not None:
        fingerprint = rows.pop()[4] or ""
    held = {touched[row[0] - 1000]: row[1] for row in rows[len(boards) :]}
    on_boards = {board: held.get(board) for board in touched} if at is not None else None
    contexts, new_standings, new_progress = [], [], []
    for (contest, lookup), row in zip(boards, rows, strict=False):
        (_index, points, disqualified, all_time, team, approved, awards, reversals, net, used, flag, paid) = row
        board = contest.pk if contest is not None else None
        if all_time is None:
            new_standings.append(None)
        if contest is not None and points is None:
            new_standings.append(board)
        if contest is not None and lookup.get("category_id") is not None and approved is None:
            new_progress.append((contest.pk, lookup["category_id"]))
            approved = 0
        person = Person(
            user_id,
            team or "",
            bool(disqualified),
            points or 0,
            all_time or 0,
            new=points is None and not create,
            new_all_time=all_time is None and not create,
            boards=on_boards,
        )
        contexts.append(Context(person, approved, awards, reversals, net, used, flag, bool(paid)))
    new_standings = list(dict.fromkeys(new_standings))
    if create and new_standings:
        Standing.objects.bulk_create([Standing(contest_id=board, user_id=user_id) for board in new_standings])
        shift_scores([((board, 0), 1) for board in new_standings])
    if create and new_progress:
        CategoryProgress.objects.bulk_create(
            [CategoryProgress(contest_id=c, category_id=cat) for c, cat in dict.fromkeys(new_progress)]
        )
    return contexts, fingerprint


def _lookup(lookup):
    return {name: lookup.get(name) for name in ("category_id", "demonstration_id", "review_id", "day")}


def person_totals(contest, user_id):
    """The person's totals on ``contest``'s board and all time; their standings are created if new."""
    return read_contexts(user_id, [(contest, _lookup({}))], create=True)[0].person
