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
    params = [*_zone_params(), settings.TIME_ZONE, *_zone_params()]
    if connection.vendor == "postgresql":
        return _board_total_grouping_sets(per_day), params
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
    return sql, params


def _board_total_grouping_sets(per_day):
    """PostgreSQL: the five boards of each (person, day, category) in one pass of ``GROUPING SETS``."""
    key, category = q("key"), q("category")
    day, week, by_category = "GROUPING(g.day) = 0", "GROUPING(g.week) = 0", "GROUPING(g.category_id) = 0"
    return (
        f"SELECT g.contest_id AS contest_id, "
        f"CASE WHEN {day} THEN {Period.DAY} WHEN {week} THEN {Period.WEEK} ELSE {Period.WHOLE} END AS period, "
        f"CASE WHEN {day} THEN g.day WHEN {week} THEN g.week ELSE 0 END AS {key}, "
        f"CASE WHEN {by_category} THEN g.category_id ELSE 0 END AS {category}, "
        f"g.user_id AS user_id, SUM(g.points) AS points, MAX(g.scored_at) AS reached_at, "
        f"{_disqualified('g')} AS disqualified "
        f"FROM (SELECT d.*, d.day - (d.day - 1) %% 7 AS week FROM ({per_day}) d) g "
        "GROUP BY g.contest_id, g.user_id, GROUPING SETS "
        "((g.day), (g.day, g.category_id), (g.week), (g.week, g.category_id), (g.category_id)) "
        f"HAVING NOT ({by_category} AND g.category_id IS NULL)"
    )


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


def _diff(want, have):
    """Rows of ``want`` not in ``have`` (tagged 1) and of ``have`` not in ``want`` (tagged 2), in one statement."""
    return _run(
        f"WITH want AS ({want[0]}), have AS ({have[0]}) "
        "SELECT 1, m.* FROM (SELECT * FROM want EXCEPT SELECT * FROM have) m "
        "UNION ALL SELECT 2, x.* FROM (SELECT * FROM have EXCEPT SELECT * FROM want) x",
        [*want[1], *have[1]],
    )


def table_differences(name, source=None, *, override=None):
    """[(key, expected values or the empty value, stored values or the empty value)] for table ``name``.

    ``source``: the expected rows of the table ``name`` derives from (default: computed here);
    ``override``: the expected rows of ``name`` itself, already computed.
    """
    want = _nonempty(name, override or expected(name, source))
    have = _nonempty(name, stored(name))
    width, empty = len(TABLES[name][1]), TABLES[name][3]
    found = {1: {}, 2: {}}
    for side, *row in _diff(want, have):
        found[side][tuple(row[:width])] = tuple(row[width:])
    missing, extra = found[1], found[2]
    return [(key, missing.get(key, empty), extra.get(key, empty)) for key in set(missing) | set(extra)]


def expected_copy(name):
    """Write the expected rows of base table ``name`` to a temporary table; returns (SELECT of it, params)."""
    scratch = q(f"expected_{name}")
    _run(f"DROP TABLE IF EXISTS {scratch}", [])
    sql, params = expected(name)
    _run(f"CREATE TEMPORARY TABLE {scratch} AS {sql}", params)
    listed = ", ".join(q(column) for column in columns(name))
    return f"SELECT {listed} FROM {scratch}", []


def drop_copy(name):
    _run(f"DROP TABLE IF EXISTS {q(f'expected_{name}')}", [])


def _check_foreign_keys_now():
    """Foreign keys are checked at commit: check this transaction's writes now, or TRUNCATE and CREATE INDEX refuse."""
    _run("SET CONSTRAINTS ALL IMMEDIATE", [])
    _run("SET CONSTRAINTS ALL DEFERRED", [])


def _clear(model):
    if connection.vendor == "postgresql":
        _check_foreign_keys_now()
        _run(f"TRUNCATE {t(model)}", [])
    else:
        _run(f"DELETE FROM {t(model)}", [])


def roomy_sorts():
    """PostgreSQL: let this transaction's aggregates hash in memory (a maintenance job, run alone)."""
    if connection.vendor == "postgresql":
        _run("SET LOCAL work_mem = '256MB'", [])


def _set_aside(model):
    """PostgreSQL: drop the table's foreign keys and the indexes that back no constraint; returns how to restore them.

    Checking the foreign keys and building each index once over the new rows is far cheaper than
    doing it row by row (a trigger and an index update per inserted row).
    """
    if connection.vendor != "postgresql":
        return []
    name = model._meta.db_table
    keys = _run(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = CAST(%s AS regclass) AND contype = 'f'",
        [name],
    )
    indexes = _run(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = CAST(%s AS regclass))",
        [name, name],
    )
    for key_name, _definition in keys:
        _run(f"ALTER TABLE {q(name)} DROP CONSTRAINT {q(key_name)}", [])
    for index_name, _definition in indexes:
        _run(f"DROP INDEX {q(index_name)}", [])
    restore = [f"ALTER TABLE {q(name)} ADD CONSTRAINT {q(key)} {definition}" for key, definition in keys]
    return restore + [definition for _index_name, definition in indexes]


def rebuild_table(name):
    """Replace table ``name`` with what the ledger says (its source table already rebuilt); returns its rows."""
    model = TABLES[name][0]
    derived_from = TABLES[name][4]
    source = stored(derived_from) if derived_from else None
    sql, params = expected(name, source)
    _clear(model)
    definitions = _set_aside(model)
    listed = ", ".join(q(column) for column in columns(name))
    rows = _run(f"INSERT INTO {t(model)} ({listed}) {sql}", params)
    if definitions:
        _check_foreign_keys_now()
    for definition in definitions:
        _run(definition, [])
    if connection.vendor == "postgresql":
        _run(f"ANALYZE {t(model)}", [])
    return rows


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
