"""The ledger's statements run alike on both databases, prepared once per connection on PostgreSQL."""

import pytest
from django.db import DatabaseError, connection, transaction

from leaderboard.models import ScoreCount
from leaderboard.sql import execute_all

pytestmark = pytest.mark.django_db


def test_statements_take_positional_and_named_parameters_and_return_the_last_rows():
    statements = [("SELECT %s + 1", [1]), ("SELECT 0 + %(a)s + %(b)s, 0 + %(a)s", {"a": 2, "b": 3})]
    for _time in range(3):  # prepared the first time, only executed afterwards
        assert [tuple(row) for row in execute_all(statements)] == [(5, 2)]


def test_a_round_trip_that_fails_half_way_leaves_its_statements_usable():
    insert = ("INSERT INTO leaderboard_scorecount (contest_id, points, holders) VALUES (NULL, %s, %s)", [7, 1])
    execute_all([insert])
    with pytest.raises(DatabaseError), transaction.atomic():
        execute_all([("SELECT %s + 1", [1]), insert])  # the second breaks the unique constraint
    with pytest.raises(DatabaseError), transaction.atomic():
        execute_all([("SELECT %s + 2", [1]), ("SELECT no_such_column FROM leaderboard_scorecount", [])])
    assert [tuple(row) for row in execute_all([("SELECT %s + 1", [2])])] == [(3,)]
    assert [tuple(row) for row in execute_all([("SELECT %s + 2", [2])])] == [(4,)]
    assert ScoreCount.objects.get(contest=None, points=7).holders == 1


def test_a_statement_whose_result_type_a_migration_changed_is_prepared_anew(db):
    if connection.vendor != "postgresql":
        pytest.skip("statements are prepared on PostgreSQL only")
    statement = ("SELECT holders FROM leaderboard_scorecount WHERE points = %s", [8])
    assert execute_all([statement]) == []
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE leaderboard_scorecount ALTER COLUMN holders TYPE numeric")
    with pytest.raises(DatabaseError), transaction.atomic():
        execute_all([statement])  # the plan cached before the change cannot run any more
    assert execute_all([statement]) == []


def test_values_reach_the_database_unchanged_whatever_they_hold_and_repeat():
    text = 'it\'s 100% "odd"; DROP TABLE x; --'
    values = [text, text, 1, True, 1.5, None]  # True equals 1: each keeps its own type
    statement = ("SELECT %s, %s, 0 + %s, %s AND TRUE, 0.0 + %s, COALESCE(%s, 'none'), 7 %% 4", values)
    for _time in range(2):
        (row,) = execute_all([statement])
        assert list(row[:3]) == values[:3]
        assert row[3] in (True, 1)
        assert float(row[4]) == 1.5
        assert row[5] == "none"
        assert row[6] == 3
