"""What one ledger write decides on, read in one statement under the ledger writer lock."""

from dataclasses import dataclass

from django.db import connection

from accounts.models import Profile
from annotations.models import QualityFlag

from ..models import CategoryProgress, PointEntry, Reason, Standing
from ..sql import render, sql, table
from .totals import Person, shift_scores

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
    entry, standing = table(PointEntry), table(Standing)
    per_demo = sql.SQL("FROM {} WHERE {} AND demonstration_id = %(d)s AND review_id IS NULL").format(entry, board)
    return sql.SQL(
        """
        SELECT
          (SELECT points FROM {standing} WHERE {board} AND user_id = %(u)s),
          (SELECT disqualified FROM {standing} WHERE {board} AND user_id = %(u)s),
          (SELECT points FROM {standing} WHERE contest_id IS NULL AND user_id = %(u)s),
          (SELECT team FROM {profile} WHERE user_id = %(u)s),
          (SELECT approved FROM {progress} WHERE {board} AND category_id = %(cat)s),
          (SELECT COUNT(*) {per_demo} AND reason = %(approval)s),
          (SELECT COUNT(*) {per_demo} AND reason = %(reversal)s),
          (SELECT COALESCE(SUM(points), 0) {per_demo}),
          (SELECT COALESCE(SUM(points), 0) FROM {entry} WHERE {board} AND user_id = %(u)s AND day = %(day)s),
          (SELECT kind FROM {flag} WHERE demonstration_id = %(d)s AND kind IN (%(exact)s, %(near)s)
             ORDER BY id LIMIT 1),
          (SELECT COUNT(*) FROM {entry} WHERE {board} AND review_id = %(r)s AND reason = %(review)s)
        """
    ).format(
        standing=standing,
        board=board,
        profile=table(Profile),
        progress=table(CategoryProgress),
        per_demo=per_demo,
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


_rendered = {}


def _statement(shape):
    """One SELECT per board (``shape``: whether each is a contest's), joined with UNION ALL; cached by shape."""
    key = (shape, connection.vendor)
    if key not in _rendered:
        parts = []
        for index, on_contest in enumerate(shape):
            text = render(_query(on_contest)).replace("%(", f"%(b{index}_")
            parts.append(text.replace("SELECT", f"SELECT {index},", 1))
        _rendered[key] = " UNION ALL ".join(parts)
    return _rendered[key]


def read_contexts(user_id, boards):
    """The context of a write on each board of ``boards``: [(contest or None, lookup)], in one statement.

    ``lookup``: ``category_id``, ``demonstration_id``, ``review_id``, ``day``.  Creates the
    person's standings and the category's progress rows when they are new; safe because the
    caller holds the ledger writer lock, so nobody else creates them meanwhile.
    """
    params = {}
    for index, (contest, lookup) in enumerate(boards):
        params.update(
            {f"b{index}_{name}": value for name, value in _params(contest, user_id, **_lookup(lookup)).items()}
        )
    shape = tuple(contest is not None for contest, _lookup in boards)
    with connection.cursor() as cursor:
        cursor.execute(_statement(shape), params)
        rows = sorted(cursor.fetchall())
    contexts, new_standings, new_progress = [], [], []
    for (contest, lookup), row in zip(boards, rows, strict=True):
        (_index, points, disqualified, all_time, team, approved, awards, reversals, net, used, flag, paid) = row
        board = contest.pk if contest is not None else None
        if all_time is None:
            new_standings.append(None)
        if contest is not None and points is None:
            new_standings.append(board)
        if contest is not None and lookup.get("category_id") is not None and approved is None:
            new_progress.append((contest.pk, lookup["category_id"]))
            approved = 0
        person = Person(user_id, team or "", bool(disqualified), points or 0, all_time or 0)
        contexts.append(Context(person, approved, awards, reversals, net, used, flag, bool(paid)))
    new_standings = list(dict.fromkeys(new_standings))
    if new_standings:
        Standing.objects.bulk_create([Standing(contest_id=board, user_id=user_id) for board in new_standings])
        shift_scores([((board, 0), 1) for board in new_standings])
    if new_progress:
        CategoryProgress.objects.bulk_create(
            [CategoryProgress(contest_id=c, category_id=cat) for c, cat in dict.fromkeys(new_progress)]
        )
    return contexts


def _lookup(lookup):
    return {name: lookup.get(name) for name in ("category_id", "demonstration_id", "review_id", "day")}


def read_context(contest, user_id, *, category_id=None, demonstration_id=None, review_id=None, day=None):
    """The context of a write on ``contest``'s board (None: all time); see ``read_contexts``."""
    lookup = {"category_id": category_id, "demonstration_id": demonstration_id, "review_id": review_id, "day": day}
    return read_contexts(user_id, [(contest, lookup)])[0]


def person_totals(contest, user_id):
    """The person's totals on ``contest``'s board and all time; their standings are created if new."""
    return read_context(contest, user_id).person
