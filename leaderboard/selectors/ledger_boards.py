"""Boards that add up the ledger: a window and a category together, or teams over a window or a category.

One window-function query over the covering ``entry_contest_time``/``entry_contest_category``
indexes returns the top rows and the viewer's, ranked; it grows with the entries it covers.
"""

import datetime

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import F, Max, Q, Sum, Window
from django.db.models.functions import Lag, Rank, RowNumber
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ..models import Disqualification, PointEntry
from ..sql import render, sql
from .rows import board_order


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
    inner, params = ranked.query.sql_with_params()
    position = sql.Identifier("position")
    where, extra = sql.SQL("{} <= %s").format(position), [limit]
    if mine_key is not None:
        where = sql.SQL("{} OR {} = %s").format(where, sql.Identifier(key))
        extra.append(mine_key)
    query = sql.SQL("SELECT * FROM ({}) AS board WHERE {} ORDER BY {}").format(sql.SQL(inner), where, position)
    with connection.cursor() as cursor:
        cursor.execute(render(query), [*params, *extra])
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


def board_from_ledger(board, make, *, viewer):
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
    order = board_order("total", "latest", key)
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
