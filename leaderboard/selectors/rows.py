"""The rows of a board: how a person or team is named and ranked, whichever totals they come from.

Ranks order (points, reached_at): more points rank higher; with equal points, who reached the
score first ranks higher.  A rank is 1 + the number of rows strictly ahead, so only identical
pairs share one -- in practice the people who have not scored yet (no ``reached_at``), at the
bottom -- and every other rank is dense.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import F, Q
from django.db.models.lookups import IsNull
from django.utils.translation import gettext as _

from accounts.models import BoardVisibility

from ..models import Contest
from .board_query import BoardQuery


@dataclass
class BoardRow:
    rank: int
    points: int
    reached_at: datetime.datetime | None
    name: str
    is_you: bool = False
    gap: int | None = None
    username: str | None = None
    team: str | None = None
    anonymous: bool = False


@dataclass
class Board:
    contest: Contest | None
    query: BoardQuery
    rows: list = field(default_factory=list)
    me: BoardRow | None = None
    me_in_top: bool = False
    excluded: bool = False
    since: datetime.datetime | None = None
    viewer_team: str = ""

    with_neighbours: bool = False
    above: BoardRow | None = None
    below: BoardRow | None = None

    @property
    def rows_skipped(self):
        """Whether rows lie between the top and the viewer's pinned rows (the one just ahead, theirs)."""
        first = self.above or self.me
        return bool(self.me and not self.me_in_top and self.rows and first.rank > self.rows[-1].rank + 1)


PERSON_FIELDS = (
    "user__username",
    "user__first_name",
    "user__last_name",
    "user__profile__display_name",
    "user__profile__show_on_boards",
    "user__profile__team",
)


def _real_name(row):
    full = f"{row.get('user__first_name') or ''} {row.get('user__last_name') or ''}".strip()
    return full or row.get("user__username") or ""


def person_row(row, *, rank, viewer, viewer_is_admin):
    """A board row, named as the viewer may see it: admins and the person see the real name."""
    is_you = row["user_id"] == viewer.pk
    real = _real_name(row)
    visibility = row.get("user__profile__show_on_boards") or BoardVisibility.REAL_NAME
    alias = (row.get("user__profile__display_name") or "").strip()
    anonymous = False
    if is_you or viewer_is_admin or visibility == BoardVisibility.REAL_NAME:
        name = real
    elif visibility == BoardVisibility.DISPLAY_NAME and alias:
        name = alias
    else:
        name, anonymous = _("Anonymous contributor"), True
    return BoardRow(
        rank=rank,
        points=row["points"],
        reached_at=row["reached_at"],
        name=name,
        is_you=is_you,
        username=row.get("user__username") if viewer_is_admin else None,
        team=(row.get("user__profile__team") or None) if not anonymous else None,
        anonymous=anonymous,
    )


def team_row(row, *, rank, viewer_team):
    return BoardRow(
        rank=rank,
        points=row["points"],
        reached_at=row["reached_at"],
        name=row["team"],
        is_you=bool(viewer_team) and row["team"] == viewer_team,
    )


def first_on_the_score(points, reached_at):
    """Rows on ``points`` that got there before ``reached_at``; before no time yet, all those with one.

    ``reached_at`` may be an expression (an outer row's column): whether it is null is then
    decided by the database.
    """
    if reached_at is None:
        return Q(points=points, reached_at__isnull=False)
    if not hasattr(reached_at, "resolve_expression"):
        return Q(points=points, reached_at__lt=reached_at)
    sooner = Q(reached_at__lt=reached_at) | (IsNull(reached_at, True) & Q(reached_at__isnull=False))
    return Q(points=points) & sooner


def ahead_of(points, reached_at):
    """Rows strictly ahead of (points, reached_at) in board order.

    The leading ``points >= p`` is redundant logically but lets the rank index bound the scan.
    """
    return Q(points__gte=points) & (Q(points__gt=points) | first_on_the_score(points, reached_at))


def behind_of(points, reached_at):
    """Rows strictly behind (points, reached_at) in board order (the mirror of ``ahead_of``)."""
    less = Q(points__lt=points)
    if reached_at is None:
        return less
    tie = Q(points=points, reached_at__gt=reached_at) | Q(points=points, reached_at__isnull=True)
    return Q(points__lte=points) & (less | tie)


def board_order(points_field="points", time_field="reached_at", key_field="user_id"):
    return [F(points_field).desc(), F(time_field).asc(nulls_last=True), F(key_field).asc()]


def ranked_rows(rows, make):
    """Ranks and gaps for the top rows, already in board order."""
    result = []
    previous = None
    rank = 0
    for position, row in enumerate(rows, start=1):
        pair = (row["points"], row["reached_at"])
        if pair != previous:
            rank = position
        board_row = make(row, rank)
        if result:
            ahead = result[-1]
            board_row.gap = ahead.points - board_row.points if ahead.rank != rank else 0
        result.append(board_row)
        previous = pair
    return result
