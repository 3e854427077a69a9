"""What one ledger write decides on, read in one statement under the ledger writer lock."""

from dataclasses import dataclass

from django.db import connection

from accounts.models import Profile
from annotations.models import QualityFlag

from ..models import CategoryProgress, PointEntry, Reason, Standing
from ..sql import execute, sql, table
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


def _read(contest, user_id, *, category_id, demonstration_id, review_id, day):
    params = {
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
    on_contest = contest is not None
    rows, _count = execute(_query(on_contest), params, name=f"context-{on_contest}")
    (points, disqualified, all_time, team, approved, awards, reversals, net, used, flag, paid) = rows[0]
    person = Person(user_id, team or "", bool(disqualified), points or 0, all_time or 0)
    context = Context(person, approved, awards, reversals, net, used, flag, bool(paid))
    return (points, all_time), context


def read_context(contest, user_id, *, category_id=None, demonstration_id=None, review_id=None, day=None):
    """The context of a write on ``contest``'s board (None: all time).

    Creates the person's standings and the category's progress row when they are new; safe
    because the caller holds the ledger writer lock, so nobody else creates them meanwhile.
    """
    lookup = {"category_id": category_id, "demonstration_id": demonstration_id, "review_id": review_id, "day": day}
    (points, all_time), context = _read(contest, user_id, **lookup)
    boards = [(None, all_time)] + ([(contest.pk, points)] if contest is not None else [])
    missing = [board for board, value in boards if value is None]
    if missing:
        Standing.objects.bulk_create([Standing(contest_id=board, user_id=user_id) for board in missing])
        shift_scores([((board, 0), 1) for board in missing])
    new_progress = contest is not None and category_id is not None and context.approved is None
    if new_progress:
        CategoryProgress.objects.create(contest=contest, category_id=category_id)
    if missing or new_progress:
        context = _read(contest, user_id, **lookup)[1]
    return context


def person_totals(contest, user_id):
    """The person's totals on ``contest``'s board and all time; their standings are created if new."""
    return read_context(contest, user_id).person
