"""Read queries: contests, boards, a person's points.

Boards come from two sources.  The whole-contest (or all-time) board of people or teams reads
the ``Standing``/``TeamStanding`` running totals through the ``*_rank`` indexes: the top N is
an index range, the viewer's rank one count.  A board for a window (today, this week) or a
category aggregates the ledger instead (index on contest and time).

Ranks order (points, reached_at): more points rank higher; with equal points, who reached the
score first ranks higher.  A rank is 1 + the number of rows strictly ahead, so only identical
pairs share one -- in practice the people who have not scored yet (no ``reached_at``), at the
bottom -- and every other rank is dense.  Counting rows ahead is an index-only count; counting
distinct pairs (strictly dense ranks) would hash every row ahead.
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, F, Max, Q, Sum, Window
from django.db.models.functions import Coalesce, Lag, Rank, RowNumber, Substr, TruncDate
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import BoardVisibility
from accounts.permissions import is_admin
from annotations.models import Category

from .models import CategoryProgress, Contest, Disqualification, PointEntry, ScoreCount, Standing, TeamStanding

SCOPES = ("people", "teams")
WINDOWS = ("contest", "week", "today")
WINDOW_LABELS = {
    "contest": gettext_lazy("Whole contest"),
    "week": gettext_lazy("This week"),
    "today": gettext_lazy("Today"),
}
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


# --- contests ---------------------------------------------------------------------------


def contests_by_status(*, now=None):
    """Running, upcoming and ended contests (each list ordered for display)."""
    now = now or timezone.now()
    contests = list(Contest.objects.order_by("starts_at", "id"))
    running = [c for c in contests if c.status_at(now) == "running"]
    upcoming = [c for c in contests if c.status_at(now) == "upcoming"]
    ended = sorted((c for c in contests if c.status_at(now) == "ended"), key=lambda c: c.ends_at, reverse=True)
    return {"running": running, "upcoming": upcoming, "ended": ended}


def contest_list():
    return Contest.objects.prefetch_related("categories").order_by("-starts_at", "id")


def access_contest(*, slug, with_categories=True):
    """The contest (with its categories prefetched unless told not to); 404 if there is none by that slug."""
    contests = contest_list() if with_categories else Contest.objects.all()
    contest = contests.filter(slug=slug).first()
    if contest is None:
        raise Http404("No such contest.")
    return contest


def category_progress(contest):
    """Per eligible category: approved count, target, share of the target (0-100, capped)."""
    counts = dict(CategoryProgress.objects.filter(contest=contest).values_list("category_id", "approved"))
    targets = contest.category_targets or {}
    rows = []
    for category in sorted(contest.categories.all(), key=lambda c: (c.position, c.key)):
        approved = max(counts.get(category.pk, 0), 0)
        target = targets.get(category.key)
        percent = min(100, round(100 * approved / target)) if target else None
        rows.append({"category": category, "approved": approved, "target": target, "percent": percent})
    return rows


# --- boards -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardQuery:
    scope: str = "people"
    category: Category | None = None
    window: str = "contest"
    limit: int = DEFAULT_LIMIT

    @property
    def from_standings(self):
        return self.category is None and self.window == "contest"


def parse_board_query(params, *, default_limit=DEFAULT_LIMIT):
    """Read scope, category, window and limit from a query dict; errors name the parameter."""
    errors = {}
    scope = params.get("scope") or "people"
    if scope not in SCOPES:
        errors["scope"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(SCOPES)}
    window = params.get("window") or "contest"
    if window not in WINDOWS:
        errors["window"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(WINDOWS)}
    category = None
    key = params.get("category") or ""
    if key:
        category = Category.objects.filter(key=key).first()
        if category is None:
            errors["category"] = _("Unknown category %(key)r.") % {"key": key[:40]}
    limit = default_limit
    raw = params.get("limit")
    if raw not in (None, ""):
        try:
            limit = int(raw)
        except (TypeError, ValueError):
            limit = 0
        if not 1 <= limit <= MAX_LIMIT:
            errors["limit"] = _("A whole number from 1 to %(max)s.") % {"max": MAX_LIMIT}
    if errors:
        raise ValidationError(errors)
    return BoardQuery(scope=scope, category=category, window=window, limit=limit)


def window_start(window, *, zone, now=None):
    """When ``window`` began in ``zone``: local midnight today, or Monday 00:00 this week."""
    if window == "contest":
        return None
    today = timezone.localtime(now or timezone.now(), zone).date()
    if window == "week":
        today -= datetime.timedelta(days=today.weekday())
    return datetime.datetime.combine(today, datetime.time.min, tzinfo=zone)


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

    @property
    def rows_skipped(self):
        """Whether rows lie between the top and the viewer's pinned row."""
        return bool(self.me and not self.me_in_top and self.rows and self.me.rank > self.rows[-1].rank + 1)


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


def _person_row(row, *, rank, viewer, viewer_is_admin):
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


def _team_row(row, *, rank, viewer_team):
    return BoardRow(
        rank=rank,
        points=row["points"],
        reached_at=row["reached_at"],
        name=row["team"],
        is_you=bool(viewer_team) and row["team"] == viewer_team,
    )


def _ahead_of(points, reached_at):
    """Rows strictly ahead of (points, reached_at) in board order.

    The leading ``points >= p`` is redundant logically but lets the rank index bound the scan.
    """
    more = Q(points__gt=points)
    if reached_at is None:
        tie = Q(points=points, reached_at__isnull=False)
    else:
        tie = Q(points=points, reached_at__lt=reached_at)
    return Q(points__gte=points) & (more | tie)


# Leading the ORDER BY with the (constant) contest lets PostgreSQL walk the rank index for the
# all-time board too: it does not treat ``contest_id IS NULL`` as fixing the first column.
BY_BOARD = (F("contest_id").asc(nulls_last=True),)


def _order(points_field="points", time_field="reached_at", key_field="user_id"):
    return [F(points_field).desc(), F(time_field).asc(nulls_last=True), F(key_field).asc()]


def _ranked(rows, make):
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


def _people_ahead(contest, points, reached_at):
    """How many people are strictly ahead of (points, reached_at) on a board.

    Those on higher scores come from the score histogram (one row per distinct score); only
    the people on exactly the same score are counted in ``Standing``, by the rank index.
    """
    higher = ScoreCount.objects.filter(contest=contest, points__gt=points).aggregate(n=Sum("holders"))["n"] or 0
    same = Standing.objects.filter(contest=contest, disqualified=False, points=points)
    same = same.filter(reached_at__isnull=False) if reached_at is None else same.filter(reached_at__lt=reached_at)
    return higher + same.count()


def _pin_from_standings(board, ranked, mine, make):
    """``board.me`` for a viewer outside the top: the rank and the row just ahead."""
    ahead = ranked.filter(_ahead_of(mine["points"], mine["reached_at"]))
    if board.query.scope == "people":
        rank = _people_ahead(board.contest, mine["points"], mine["reached_at"]) + 1
    else:
        rank = ahead.count() + 1
    next_points = (
        ahead.order_by(
            F("contest_id").desc(nulls_first=True),
            F("points").asc(),
            F("reached_at").desc(nulls_first=True),
        )
        .values_list("points", flat=True)
        .first()
    )
    row = make(mine, rank)
    row.gap = next_points - row.points if next_points is not None else None
    board.me = row


def _viewer_team(viewer):
    from accounts.models import Profile

    return Profile.objects.filter(user=viewer).values_list("team", flat=True).first() or ""


def leaderboard(*, contest, query, viewer, now=None):
    """The top ``query.limit`` rows of a board and the viewer's own row, ranked.

    ``contest`` None is the all-time board.  Disqualified people are left off a contest's
    boards (they see that they are excluded).  At most five queries.
    """
    viewer_is_admin = is_admin(viewer)
    board = Board(contest=contest, query=query)
    zone = contest.zone if contest else timezone.get_default_timezone()
    board.since = window_start(query.window, zone=zone, now=now)
    if query.scope == "people":

        def make(row, rank):
            return _person_row(row, rank=rank, viewer=viewer, viewer_is_admin=viewer_is_admin)
    else:
        board.viewer_team = _viewer_team(viewer)

        def make(row, rank):
            return _team_row(row, rank=rank, viewer_team=board.viewer_team)

    if query.from_standings:
        _board_from_standings(board, make, viewer=viewer)
    else:
        _board_from_ledger(board, make, viewer=viewer)
    if board.me is None:
        board.me = next((row for row in board.rows if row.is_you), None)
        board.me_in_top = board.me is not None
    return board


def _board_from_standings(board, make, *, viewer):
    contest, limit = board.contest, board.query.limit
    if board.query.scope == "people":
        fields = ("user_id", "points", "reached_at", *PERSON_FIELDS)
        ranked = Standing.objects.filter(contest=contest, disqualified=False)
        board.rows = _ranked(list(ranked.order_by(*BY_BOARD, *_order()).values(*fields)[:limit]), make)
        if any(row.is_you for row in board.rows):
            return
        mine = Standing.objects.filter(contest=contest, user=viewer).values(*fields, "disqualified").first()
        if mine and mine["disqualified"]:
            board.excluded = True
        elif mine:
            _pin_from_standings(board, ranked, mine, make)
    else:
        fields = ("team", "points", "reached_at")
        ranked = TeamStanding.objects.filter(contest=contest)
        board.rows = _ranked(list(ranked.order_by(*BY_BOARD, *_order(key_field="team")).values(*fields)[:limit]), make)
        if board.viewer_team and not any(row.is_you for row in board.rows):
            mine = ranked.filter(team=board.viewer_team).values(*fields).first()
            if mine:
                _pin_from_standings(board, ranked, mine, make)


def _person_details(user_ids):
    """Names and board choices of these people, keyed like ``PERSON_FIELDS``."""
    User = get_user_model()
    rows = User.objects.filter(pk__in=user_ids).values(
        "id",
        "username",
        "first_name",
        "last_name",
        "profile__display_name",
        "profile__show_on_boards",
        "profile__team",
    )
    return {row["id"]: {f"user__{name}": value for name, value in row.items() if name != "id"} for row in rows}


def _top_and_mine(ranked, *, key, limit, mine_key):
    """Rows of a ranked aggregate whose position is within ``limit``, plus the one keyed ``mine_key``.

    Written as an outer query: the ORM cannot yet combine a filter on a window function with
    an OR on a grouped column.
    """
    sql, params = ranked.query.sql_with_params()
    quoted = connection.ops.quote_name
    where = f"{quoted('position')} <= %s"
    extra = [limit]
    if mine_key is not None:
        where += f" OR {quoted(key)} = %s"
        extra.append(mine_key)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM ({sql}) AS board WHERE {where} ORDER BY {quoted('position')}",  # noqa: S608
            [*params, *extra],
        )
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    for row in rows:
        row["latest"] = _as_datetime(row["latest"])
    return rows


def _as_datetime(value):
    """SQLite hands raw timestamps back as text (in UTC); PostgreSQL as aware datetimes."""
    if isinstance(value, str):
        value = parse_datetime(value)
        if timezone.is_naive(value):
            value = timezone.make_aware(value, datetime.UTC)
    return value


def _board_from_ledger(board, make, *, viewer):
    """Aggregate the ledger once; a window query returns the top rows and the viewer's, ranked."""
    contest, query = board.contest, board.query
    entries = PointEntry.objects.all()
    if contest is not None:
        entries = entries.filter(contest=contest).exclude(
            user__in=Disqualification.objects.filter(contest=contest).values("user"),
        )
    if query.category is not None:
        entries = entries.filter(category=query.category)
    if board.since is not None:
        entries = entries.filter(created_at__gte=board.since)
    if query.scope == "people":
        key, mine_key = "user_id", viewer.pk
    else:
        key, mine_key = "user__profile__team", board.viewer_team or None
        entries = entries.exclude(**{f"{key}__isnull": True}).exclude(**{key: ""})
    order = _order("total", "latest", key)
    grouped = (
        entries.values(key)
        .annotate(
            total=Sum("points"),
            latest=Max("created_at", filter=~Q(points=0)),
        )
        .annotate(
            rank=Window(Rank(), order_by=[F("total").desc(), F("latest").asc(nulls_last=True)]),
            position=Window(RowNumber(), order_by=order),
            ahead=Window(Lag("total"), order_by=order),
        )
    )
    found = _top_and_mine(grouped.order_by(), key=key, limit=query.limit, mine_key=mine_key)
    details = _person_details([row[key] for row in found]) if query.scope == "people" else {}
    rows = []
    for found_row in found:
        row = {**details.get(found_row[key], {}), "points": found_row["total"], "reached_at": found_row["latest"]}
        if query.scope == "people":
            row["user_id"] = found_row[key]
        else:
            row["team"] = found_row[key]
        board_row = make(row, found_row["rank"])
        board_row.gap = found_row["ahead"] - found_row["total"] if found_row["ahead"] is not None else None
        if found_row["position"] <= query.limit:
            rows.append(board_row)
        else:
            board.me = board_row
    board.rows = rows
    if board.me is None and not any(row.is_you for row in rows) and contest is not None and query.scope == "people":
        board.excluded = Disqualification.objects.filter(contest=contest, user=viewer).exists()


# --- a person's points ------------------------------------------------------------------------


def points_history(*, user, contest=None):
    """The person's ledger entries, newest first, with what they need to be explained."""
    entries = PointEntry.objects.filter(user=user)
    if contest is not None:
        entries = entries.filter(contest=contest)
    return (
        entries.select_related("contest", "category", "demonstration")
        .only(
            "id",
            "points",
            "reason",
            "explanation",
            "created_at",
            "day",
            "contest__name",
            "contest__slug",
            "category__name",
            "category__key",
            "demonstration__public_id",
            "demonstration__author_id",
            "demonstration__instruction_author_id",
        )
        .annotate(instruction_preview=Substr("demonstration__instruction", 1, 120))
        .order_by("-created_at", "-id")
    )


def standings_of(*, user):
    """The person's standings (all-time first, then each contest, newest first)."""
    return list(
        Standing.objects.filter(user=user)
        .select_related("contest")
        .order_by(F("contest_id").asc(nulls_first=True), "-contest__starts_at")
    )


def points_by_day(*, user, contest=None, zone=None):
    """[(date, points that day, running total)] for the person, days in ``zone``."""
    zone = zone or (contest.zone if contest else timezone.get_default_timezone())
    entries = PointEntry.objects.filter(user=user)
    if contest is not None:
        entries = entries.filter(contest=contest)
    rows = (
        entries.annotate(date=TruncDate("created_at", tzinfo=zone))
        .values("date")
        .annotate(points=Coalesce(Sum("points"), 0))
        .order_by("date")
    )
    running = 0
    series = []
    for row in rows:
        running += row["points"]
        series.append((row["date"], row["points"], running))
    return series


def points_by_category(*, user, contest=None):
    entries = PointEntry.objects.filter(user=user).exclude(category=None)
    if contest is not None:
        entries = entries.filter(contest=contest)
    return list(
        entries.values("category__name")
        .annotate(points=Sum("points"), entries=Count("id"))
        .order_by("-points", "category__name")
    )
