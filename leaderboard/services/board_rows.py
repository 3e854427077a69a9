"""A person's rows on the window and category boards: read, add to, create -- three statements at most."""

from django.db import connection

from ..models import BoardTotal
from ..sql import execute, sql, table


def _condition(contest_id, period, key, category):
    if contest_id is None:
        return sql.SQL("(contest_id IS NULL AND period = %s AND {} = %s AND {} = %s)").format(
            sql.Identifier("key"), sql.Identifier("category")
        ), [period, key, category]
    return sql.SQL("(contest_id = %s AND period = %s AND {} = %s AND {} = %s)").format(
        sql.Identifier("key"), sql.Identifier("category")
    ), [contest_id, period, key, category]


def _existing(user_id, boards):
    """{(contest_id, period, key, category): (id, points)} of the person's rows on ``boards``."""
    conditions = [_condition(*board) for board in boards]
    query = sql.SQL("SELECT id, contest_id, period, {}, {}, points FROM {} WHERE user_id = %s AND ({})").format(
        sql.Identifier("key"),
        sql.Identifier("category"),
        table(BoardTotal),
        sql.SQL(" OR ").join(condition for condition, _params in conditions),
    )
    rows, _count = execute(query, [user_id, *(value for _condition, params in conditions for value in params)])
    return {
        (contest_id, period, key, category): (row_id, points)
        for row_id, contest_id, period, key, category, points in rows
    }


def write_board_rows(user_id, amounts, at, excluded):
    """Add ``amounts[(contest_id, period, key, category)]`` to the person's rows; returns their points before.

    A person is on a board from their first entry on it, even one worth nothing: missing rows
    are created (``disqualified`` on the contests in ``excluded``).
    """
    existing = _existing(user_id, list(amounts))
    moved = [(row_id, amounts[board]) for board, (row_id, _points) in existing.items() if amounts[board]]
    if moved:
        stamp = connection.ops.adapt_datetimefield_value(at)
        cases = sql.SQL(" ").join(sql.SQL("WHEN %s THEN %s") for _move in moved)
        query = sql.SQL(
            "UPDATE {} SET points = points + CASE id {} ELSE 0 END, reached_at = CASE "
            "WHEN reached_at IS NULL OR reached_at < %s THEN %s ELSE reached_at END WHERE id IN ({})"
        ).format(table(BoardTotal), cases, sql.SQL(", ").join(sql.Placeholder() * len(moved)))
        params = [value for move in moved for value in move] + [stamp, stamp] + [row_id for row_id, _amount in moved]
        execute(query, params)
    missing = [board for board in amounts if board not in existing]
    if missing:
        BoardTotal.objects.bulk_create(
            [
                BoardTotal(
                    contest_id=contest_id,
                    period=period,
                    key=key,
                    category=category,
                    user_id=user_id,
                    points=amounts[(contest_id, period, key, category)],
                    reached_at=at if amounts[(contest_id, period, key, category)] else None,
                    disqualified=contest_id in excluded,
                )
                for contest_id, period, key, category in missing
            ]
        )
    return {board: points for board, (_row_id, points) in existing.items()}
