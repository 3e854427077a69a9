"""Raw SQL for the ledger's hot path, composed with ``psycopg2.sql`` and run on either database.

Identifiers (tables, columns) are ``sql.Identifier``; every value is a query parameter.  On
PostgreSQL a composition is rendered by psycopg2 itself; on SQLite (the embedded default) the
same composition is rendered with Django's quoting, so one statement serves both.
"""

from django.db import connection
from psycopg2 import sql

__all__ = ["execute", "render", "sql", "table"]


def table(model):
    return sql.Identifier(model._meta.db_table)


def _portable(query):
    if isinstance(query, sql.Composed):
        return "".join(_portable(part) for part in query.seq)
    if isinstance(query, sql.Identifier):
        return ".".join(connection.ops.quote_name(name) for name in query.strings)
    if isinstance(query, sql.Placeholder):
        return f"%({query.name})s" if query.name else "%s"
    if isinstance(query, sql.SQL):
        return query.string
    raise TypeError(f"Cannot render {query!r}")


def render(query):
    """The text of ``query`` (a ``psycopg2.sql`` composition) for the default database."""
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        return query.as_string(connection.connection)
    return _portable(query)


_rendered = {}


def execute(query, params, *, name=None):
    """Run one statement; returns (rows or None, rowcount).

    ``name`` caches the rendered text of a statement whose identifiers never change.
    """
    if name is None:
        text = render(query)
    else:
        key = (name, connection.vendor)
        text = _rendered.get(key)
        if text is None:
            text = _rendered[key] = render(query)
    with connection.cursor() as cursor:
        cursor.execute(text, params)
        return (cursor.fetchall() if cursor.description else None), cursor.rowcount


def execute_all(statements):
    """Run ``[(text, params)]`` in order, in one round trip on PostgreSQL; returns the rows of the last one.

    PostgreSQL takes the statements joined into one query string (each is still its own
    statement: it sees what the ones before it wrote); SQLite, in-process, runs them one by
    one.  Every text uses positional ``%s`` parameters.
    """
    if not statements:
        return None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(statements) > 1:
            cursor.execute(";\n".join(text for text, _params in statements), [v for _t, ps in statements for v in ps])
        else:
            for text, params in statements:
                cursor.execute(text, params)
        return cursor.fetchall() if cursor.description else None
