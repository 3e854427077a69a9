# ruff: noqa: S608 - every name in these statements comes from the models, every value is a parameter
"""The running totals as the ledger says they should be, in SQL: one statement per table.

``expected(name)`` is a SELECT of a table's rows (its key columns, then its values) computed
from the ledger; ``rebuild`` replaces each table with it (``INSERT ... SELECT ... GROUP BY``)
and ``differences`` compares it with what is stored (``EXCEPT`` both ways), so neither moves
the ledger through Python.  The same SQL runs on PostgreSQL and SQLite; only the local day of
an entry is written per database (``_local_ordinal``).

Tables derived from another running total (team totals and score histograms) read it as their
``source``: the expected rows when checking, the freshly rebuilt table when rebuilding.
"""

from django.conf import settings
from django.db import connection

from accounts.models import Profile

from ..models import (
    BoardScoreCount,
    BoardTotal,
    CategoryProgress,
    Contest,
    Disqualification,
    Period,
    PointEntry,
    Reason,
    ScoreCount,
    Standing,
    TeamBoardTotal,
    TeamStanding,
)

AWARD_REASONS = (Reason.APPROVAL, Reason.APPROVAL_REVERSED)

# name: (model, key columns, value columns, the value of a missing row, the table it derives from)
TABLES = {
    "standing": (Standing, ("contest_id", "user_id"), ("points", "reached_at", "disqualified"), None, None),
    "team_standing": (TeamStanding, ("contest_id", "team"), ("points", "reached_at"), None, "standing"),
    "score_count": (ScoreCount, ("contest_id", "points"), ("holders",), (0,), "standing"),
    "category_progress": (CategoryProgress, ("contest_id", "category_id"), ("approved",), (0,), None),
    "board_total": (
        BoardTotal,
        ("contest_id", "period", "key", "category", "user_id"),
        ("points", "reached_at", "disqualified"),
        None,
        None,
    ),
    "board_score_count": (
        BoardScoreCount,
        ("contest_id", "period", "key", "category", "points"),
        ("holders",),
        (0,),
        "board_total",
    ),
    "team_board_total": (
        TeamBoardTotal,
        ("contest_id", "period", "key", "category", "team"),
        ("points", "reached_at"),
        None,
        "board_total",
    ),
}
BOARD_TABLES = ("board_total", "board_score_count", "team_board_total")


def q(name):
    return connection.ops.quote_name(name)


def t(model):
    return q(model._meta.db_table)


def columns(name):
    _model, keys, values, _empty, _source = TABLES[name]
    return (*keys, *values)


def _local_ordinal(column, zone):
    """SQL for the proleptic ordinal (``date.toordinal``) of the day ``column`` falls on in ``zone`` (SQL)."""
    if connection.vendor == "postgresql":
        return f"(CAST(({column} AT TIME ZONE {zone}) AS date) - DATE '0001-01-01' + 1)"
    return f"CAST(julianday(django_datetime_cast_date({column}, {zone}, %s)) - 1721424.5 AS INTEGER)"


def _zone_params():
    return [] if connection.vendor == "postgresql" else [connection.timezone_name]


def _disqualified(alias):
    return (
        f"CASE WHEN {alias}.contest_id IS NOT NULL AND EXISTS (SELECT 1 FROM {t(Disqualification)} d "
        f"WHERE d.contest_id = {alias}.contest_id AND d.user_id = {alias}.user_id) THEN TRUE ELSE FALSE END"
    )


_SCORED_AT = "CASE WHEN points <> 0 THEN created_at END"


def _standing():
    entry, dq = t(PointEntry), t(Disqualification)
    sql = (
        f"SELECT b.contest_id AS contest_id, b.user_id AS user_id, SUM(b.points) AS points, "
        f"MAX(b.scored_at) AS reached_at, {_disqualified('b')} AS disqualified FROM ("
        f"SELECT contest_id, user_id, points, {_SCORED_AT} AS scored_at FROM {entry} WHERE contest_id IS NOT NULL "
        f"UNION ALL SELECT NULL, user_id, points, {_SCORED_AT} FROM {entry} "
        f"UNION ALL SELECT contest_id, user_id, 0, NULL FROM {dq} "
        f"UNION ALL SELECT NULL, user_id, 0, NULL FROM {dq}"
        ") b GROUP BY b.contest_id, b.user_id"
    )
    return sql, []


def _category_progress():
    sql = (
        f"SELECT contest_id, category_id, SUM(counted) AS approved FROM {t(PointEntry)} "
        "WHERE contest_id IS NOT NULL AND category_id IS NOT NULL AND reason IN (%s, %s) "
        "GROUP BY contest_id, category_id"
    )
    return sql, list(AWARD_REASONS)


def _board_total():
    """Each entry counts on its contest's boards and the all-time ones: per day, week, whole board, category."""
    entry, contest = t(PointEntry), t(Contest)
    key, category = q("key"), q("category")
    site_day = _local_ordinal("e.created_at", "%s")
    contest_day = _local_ordinal("e.created_at", "c.time_zone")
    per_day = (
        "SELECT l.contest_id, l.user_id, l.category_id, l.day, SUM(l.points) AS points, MAX(l.scored_at) AS scored_at "
        f"FROM (SELECT e.contest_id, e.user_id, e.category_id, {contest_day} AS day, e.points, "
        "CASE WHEN e.points <> 0 THEN e.created_at END AS scored_at "
        f"FROM {entry} e JOIN {contest} c ON c.id = e.contest_id "
        f"UNION ALL SELECT NULL, e.user_id, e.category_id, {site_day}, e.points, "
        f"CASE WHEN e.points <> 0 THEN e.created_at END FROM {entry} e) l "
        "GROUP BY l.contest_id, l.user_id, l.category_id, l.day"
    )
    kinds = " UNION ALL ".join(
        f"SELECT {period} AS period, {by_category} AS by_category"
        for period, by_category in (
            (Period.DAY, 0),
            (Period.DAY, 1),
            (Period.WEEK, 0),
            (Period.WEEK, 1),
            (Period.WHOLE, 1),
        )
    )
    sql = (
        f"SELECT g.contest_id AS contest_id, k.period AS period, "
        f"CASE k.period WHEN {Period.DAY} THEN g.day WHEN {Period.WEEK} THEN g.day - (g.day - 1) %% 7 ELSE 0 END "
        f"AS {key}, CASE WHEN k.by_category = 1 THEN g.category_id ELSE 0 END AS {category}, "
        f"g.user_id AS user_id, SUM(g.points) AS points, MAX(g.scored_at) AS reached_at, "
        f"{_disqualified('g')} AS disqualified "
        f"FROM ({per_day}) g CROSS JOIN ({kinds}) k WHERE k.by_category = 0 OR g.category_id IS NOT NULL "
        "GROUP BY g.contest_id, k.period, 3, 4, g.user_id"
    )
    return sql, [*_zone_params(), settings.TIME_ZONE, *_zone_params()]


def _teams(source, board_columns):
    keys = ", ".join(f"s.{q(name)}" for name in board_columns)
    sql = (
        f"SELECT {keys}, p.team AS team, SUM(s.points) AS points, MAX(s.reached_at) AS reached_at "
        f"FROM ({source}) s JOIN {t(Profile)} p ON p.user_id = s.user_id WHERE p.team <> '' "
    )
    if "period" in board_columns:
        sql += "AND s.disqualified = FALSE "
    return sql + f"GROUP BY {keys}, p.team"


def _histogram(source, board_columns):
    keys = ", ".join(f"s.{q(name)}" for name in board_columns)
    return (
        f"SELECT {keys}, s.points AS points, COUNT(*) AS holders FROM ({source}) s "
        f"WHERE s.disqualified = FALSE GROUP BY {keys}, s.points"
    )


_BOARD = ("contest_id", "period", "key", "category")


def expected(name, source=None):
    """(sql, params): the rows of table ``name`` computed from the ledger (``source``: the SELECT it derives from)."""
    base = {"standing": _standing, "category_progress": _category_progress, "board_total": _board_total}
    if name in base:
        return base[name]()
    derived_from = TABLES[name][4]
    if source is None:
        source = expected(derived_from)
    source_sql, params = source
    if name == "team_standing":
        return _teams(source_sql, ("contest_id",)), params
    if name == "team_board_total":
        return _teams(source_sql, _BOARD), params
    if name == "score_count":
        return _histogram(source_sql, ("contest_id",)), params
    return _histogram(source_sql, _BOARD), params


def stored(name):
    model = TABLES[name][0]
    return f"SELECT {', '.join(q(column) for column in columns(name))} FROM {t(model)}", []


def _nonempty(name, query):
    """Rows of ``query`` that differ from a missing row (histogram and progress rows at 0 count as missing)."""
    sql, params = query
    empty = TABLES[name][3]
    listed = ", ".join(f"x.{q(column)}" for column in columns(name))
    select = f"SELECT {listed} FROM ({sql}) x"
    if empty is not None:
        select += f" WHERE x.{q(TABLES[name][2][0])} <> 0"
    return select, params


def _run(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else cursor.rowcount


def _minus(first, second):
    return _run(f"{first[0]} EXCEPT {second[0]}", [*first[1], *second[1]])


def table_differences(name):
    """[(key, expected values or the empty value, stored values or the empty value)] for table ``name``."""
    want, have = _nonempty(name, expected(name)), _nonempty(name, stored(name))
    width, empty = len(TABLES[name][1]), TABLES[name][3]
    missing = {tuple(row[:width]): tuple(row[width:]) for row in _minus(want, have)}
    extra = {tuple(row[:width]): tuple(row[width:]) for row in _minus(have, want)}
    return [(key, missing.get(key, empty), extra.get(key, empty)) for key in set(missing) | set(extra)]


def _clear(model):
    if connection.vendor == "postgresql":
        # Foreign keys are checked at commit: check what this transaction wrote now, or TRUNCATE refuses.
        _run("SET CONSTRAINTS ALL IMMEDIATE", [])
        _run("SET CONSTRAINTS ALL DEFERRED", [])
        _run(f"TRUNCATE {t(model)}", [])
    else:
        _run(f"DELETE FROM {t(model)}", [])


def rebuild_table(name):
    """Replace table ``name`` with what the ledger says (its source table already rebuilt); returns its rows."""
    derived_from = TABLES[name][4]
    source = stored(derived_from) if derived_from else None
    sql, params = expected(name, source)
    _clear(TABLES[name][0])
    listed = ", ".join(q(column) for column in columns(name))
    return _run(f"INSERT INTO {t(TABLES[name][0])} ({listed}) {sql}", params)


def rebuild_team_boards(teams, *, contest_id=None):
    """Recompute the window and category boards of ``teams`` (of one contest, or all) from their members' rows."""
    teams = [team for team in teams if team]
    if not teams:
        return 0
    marks = ", ".join(["%s"] * len(teams))
    scope, scope_params = ("", []) if contest_id is None else (" AND contest_id = %s", [contest_id])
    _run(f"DELETE FROM {t(TeamBoardTotal)} WHERE team IN ({marks}){scope}", [*teams, *scope_params])
    listed = ", ".join(q(column) for column in columns("board_total"))
    source = (
        f"SELECT {listed} FROM {t(BoardTotal)} WHERE user_id IN "
        f"(SELECT user_id FROM {t(Profile)} WHERE team IN ({marks})){scope}"
    )
    sql = _teams(source, _BOARD)
    listed = ", ".join(q(column) for column in columns("team_board_total"))
    return _run(f"INSERT INTO {t(TeamBoardTotal)} ({listed}) {sql}", [*teams, *scope_params])
