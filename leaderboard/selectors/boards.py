"""Boards read from the running totals: the top N is an index range, the viewer's rank a histogram sum.

The whole-contest (or all-time) board of people or teams reads ``Standing``/``TeamStanding``;
a board for one window (today, this week), one category, or both, reads ``BoardTotal`` (people)
or ``TeamBoardTotal`` (teams), kept per day, week and whole board, per category and for every
category, in the same transaction as the ledger.  The viewer's rank
is the number of people on higher scores, from the score histogram (``ScoreCount`` or
``BoardScoreCount``, one row per distinct score), plus those on the same score who got there
first, counted through the rank index (a team's rank: the teams ahead, counted the same way);
both are subqueries of the query reading the viewer's own row.  No board adds up the ledger.
"""

from dataclasses import dataclass

from django.db.models import F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Profile
from accounts.permissions import is_admin

from ..models import (
    EVERY_CATEGORY,
    BoardScoreCount,
    BoardTotal,
    Period,
    ScoreCount,
    Standing,
    TeamBoardTotal,
    TeamStanding,
)
from .board_query import window_start
from .rows import (
    PERSON_FIELDS,
    Board,
    ahead_of,
    behind_of,
    board_order,
    first_on_the_score,
    person_row,
    ranked_rows,
    team_row,
)

PERIOD_OF_WINDOW = {"today": Period.DAY, "week": Period.WEEK}


@dataclass(frozen=True)
class Totals:
    """Where a board's running totals are: the rows of one board, their score histogram, the index's lead."""

    model: type
    lookup: dict
    scores: QuerySet | None
    lead: tuple

    @property
    def rows(self):
        """The board's rows, the disqualified left off."""
        rows = self.model.objects.filter(**self.lookup)
        return rows if self.model in (TeamStanding, TeamBoardTotal) else rows.filter(disqualified=False)

    def mine(self, **person):
        """The viewer's own row (disqualified or not)."""
        return self.model.objects.filter(**self.lookup, **person)

    def in_order(self, *order):
        """``rows`` in board order; leading with the (constant) board columns lets PostgreSQL walk the index.

        It does not treat ``contest_id IS NULL`` as fixing the first column, as it does ``= 5``.
        """
        return self.rows.order_by(*(F(name).asc(nulls_last=True) for name in self.lead), *order)

    def backwards(self):
        return self.rows.order_by(
            *(F(name).desc(nulls_first=True) for name in self.lead),
            F("points").asc(),
            F("reached_at").desc(nulls_first=True),
        )


def totals_of(board):
    """The running totals ``board`` reads: the whole board's standings, or one window and/or category's totals."""
    contest, query = board.contest, board.query
    if query.from_standings:
        if query.scope == "teams":
            return Totals(TeamStanding, {"contest": contest}, None, ("contest_id",))
        return Totals(Standing, {"contest": contest}, ScoreCount.objects.filter(contest=contest), ("contest_id",))
    if query.window == "contest":
        period, key = Period.WHOLE, 0
    else:
        period, key = PERIOD_OF_WINDOW[query.window], board.since.date().toordinal()
    category = query.category.pk if query.category is not None else EVERY_CATEGORY
    lookup = {"contest": contest, "period": period, "key": key, "category": category}
    lead = ("contest_id", "period", "key", "category")
    if query.scope == "teams":
        return Totals(TeamBoardTotal, lookup, None, lead)
    return Totals(BoardTotal, lookup, BoardScoreCount.objects.filter(**lookup), lead)


def _scalar(rows, function, column):
    """``function(column)`` over ``rows`` as a subquery of one number (no GROUP BY: one row, even for none)."""
    numbers = rows.order_by().annotate(n=Func(F(column), function=function)).values("n")
    return Subquery(numbers, output_field=IntegerField())


POSITION = ("higher", "same_ahead", "next_up")


def with_position(mine, totals):
    """``mine`` (rows of one board) with what ranks each in the same round trip: the ``POSITION`` columns.

    ``higher``: the rows on a higher score (the histogram's sum where there is one);
    ``same_ahead``: those on the same score who got there first; ``next_up``: the nearest
    higher score, for the gap to the row just ahead.
    """
    higher_scores = Q(points__gt=OuterRef("points"))
    if totals.scores is not None:
        higher = _scalar(totals.scores.filter(higher_scores), "SUM", "holders")
        next_up = _scalar(totals.scores.filter(higher_scores, holders__gt=0), "MIN", "points")
    else:
        higher = _scalar(totals.rows.filter(higher_scores), "COUNT", "points")
        next_up = _scalar(totals.rows.filter(higher_scores), "MIN", "points")
    same_ahead = _scalar(
        totals.rows.filter(first_on_the_score(OuterRef("points"), OuterRef("reached_at"))), "COUNT", "points"
    )
    return mine.annotate(higher=Coalesce(higher, 0), same_ahead=Coalesce(same_ahead, 0), next_up=next_up)


def _pin(board, totals, mine, make, *, fields, order):
    """``board.me`` for a viewer outside the top, from ``mine`` read through ``with_position``.

    The rows just ahead and just behind (one query each) only for a board shown with its neighbours:
    the one ahead is one rank up, the one behind one rank down, unless exactly tied.
    """
    rank = mine["higher"] + mine["same_ahead"] + 1
    board.me = make(mine, rank)
    if mine["same_ahead"]:
        board.me.gap = 0
    elif mine["next_up"] is not None:
        board.me.gap = mine["next_up"] - mine["points"]
    if not board.with_neighbours:
        return
    if rank - 1 > len(board.rows):
        above = totals.backwards().filter(ahead_of(mine["points"], mine["reached_at"])).values(*fields).first()
        if above:
            board.above = make(above, rank - 1)
    below = totals.in_order(*order).filter(behind_of(mine["points"], mine["reached_at"]))
    below = below.values(*fields).first()
    if below:
        board.below = make(below, rank + 1)
        board.below.gap = mine["points"] - below["points"]


def _board_from_totals(board, totals, make, *, viewer):
    limit = board.query.limit
    if board.query.scope == "people":
        fields = ("user_id", "points", "reached_at", *PERSON_FIELDS)
        order = board_order()
        board.rows = ranked_rows(list(totals.in_order(*order).values(*fields)[:limit]), make)
        if any(row.is_you for row in board.rows):
            return
        mine = with_position(totals.mine(user=viewer), totals)
        mine = mine.values(*fields, *POSITION, "disqualified").first()
        if mine and mine["disqualified"]:
            board.excluded = True
        elif mine:
            _pin(board, totals, mine, make, fields=fields, order=order)
    else:
        fields = ("team", "points", "reached_at")
        order = board_order(key_field="team")
        board.rows = ranked_rows(list(totals.in_order(*order).values(*fields)[:limit]), make)
        if board.viewer_team and not any(row.is_you for row in board.rows):
            mine = with_position(totals.rows.filter(team=board.viewer_team), totals)
            mine = mine.values(*fields, *POSITION).first()
            if mine:
                _pin(board, totals, mine, make, fields=fields, order=order)


def _viewer_team(viewer):
    return Profile.objects.filter(user=viewer).values_list("team", flat=True).first() or ""


def leaderboard(*, contest, query, viewer, now=None, with_neighbours=False):
    """The top ``query.limit`` rows of a board and the viewer's own row, ranked.

    ``contest`` None is the all-time board.  Disqualified people are left off a contest's
    boards (they see that they are excluded).  ``with_neighbours``: also the rows just ahead of
    and behind a viewer outside the top (two queries more).  Besides the viewer's roles, at most
    three queries (a team's board: the viewer's team, the top, the team's row), five with the neighbours.
    """
    viewer_is_admin = is_admin(viewer)
    board = Board(contest=contest, query=query, with_neighbours=with_neighbours)
    zone = contest.zone if contest else timezone.get_default_timezone()
    board.since = window_start(query.window, zone=zone, now=now)
    if query.scope == "people":

        def make(row, rank):
            return person_row(row, rank=rank, viewer=viewer, viewer_is_admin=viewer_is_admin)
    else:
        board.viewer_team = _viewer_team(viewer)

        def make(row, rank):
            return team_row(row, rank=rank, viewer_team=board.viewer_team)

    _board_from_totals(board, totals_of(board), make, viewer=viewer)
    if board.me is None:
        board.me = next((row for row in board.rows if row.is_you), None)
        board.me_in_top = board.me is not None
    return board
