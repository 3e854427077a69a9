"""Raw SQL for the ledger's hot path, composed with ``psycopg2.sql`` and run on either database.

Identifiers (tables, columns) are ``sql.Identifier``; every value is a query parameter.  On
PostgreSQL a composition is rendered by psycopg2 itself; on SQLite (the embedded default) the
same composition is rendered with Django's quoting, so one statement serves both.

On PostgreSQL the hot path's statements (``execute_all``) run as prepared statements of the
connection, with generic plans: planning them each time (the context read's twenty-odd
subqueries, each upsert) cost the server more than running them.  Each text is prepared in the round trip that first
runs it, then only ``EXECUTE``d; PostgreSQL keeps prepared statements for the life of the
connection whatever the transaction does, and re-plans them itself after a schema change; one
whose result a migration changed fails once, and is then prepared anew.  The values an
``EXECUTE`` takes are quoted by psycopg2, each distinct value once per round trip.
"""

import itertools
import re
import weakref

from django.db import connection
from psycopg2 import sql
from psycopg2.extensions import adapt

__all__ = ["execute", "execute_all", "render", "sql", "table"]

_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%s|%%")


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
    statement: it sees what the ones before it wrote), as prepared statements (see the module
    docstring); SQLite, in-process, runs them one by one.  A text uses positional ``%s``
    parameters (``params`` a list) or named ``%(name)s`` ones (``params`` a dict); the type of
    each must follow from where it stands (a column, or the other side of an operator), as
    PostgreSQL prepares the text before it sees the values.
    """
    if not statements:
        return None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _execute_prepared(cursor, statements)
        else:
            for text, params in statements:
                cursor.execute(text, params)
        return cursor.fetchall() if cursor.description else None


class _Prepared:
    """The statements prepared on one PostgreSQL connection: {text: name}."""

    def __init__(self):
        self.names = {}
        self.numbers = itertools.count(1)


# Until the transaction ends, prepared statements run the plan made once, not one made anew for
# each execution's values: the plans of these lookups do not depend on the values, and planning
# is what they save.
GENERIC_PLANS = "SET LOCAL plan_cache_mode = force_generic_plan"
_prepared = weakref.WeakKeyDictionary()  # the driver's connection: _Prepared
# SQLSTATEs of an EXECUTE whose statement no longer fits: "cached plan must not change result
# type" (a column's type changed), and a prepared statement that does not exist.
_STALE_PREPARED = frozenset({"0A000", "26000"})
_numbered = {}  # text: (text with $1..$n, the parameter names in that order or None for positional)


def _numbering(text):
    """``text`` with ``$n`` placeholders, and the names of its parameters by number (None: positional)."""
    found = _numbered.get(text)
    if found is None:
        names, numbers = [], {}

        def number(match):
            if match.group(0) == "%%":
                return "%"  # the text is sent as it is, with the values in it: no escape any more
            name = match.group(1)
            if name is None:
                names.append(None)
                return f"${len(names)}"
            if name not in numbers:
                names.append(name)
                numbers[name] = len(names)
            return f"${numbers[name]}"

        numbered = _PLACEHOLDER.sub(number, text)
        found = _numbered[text] = (numbered, None if None in names else names)
    return found


class _Literals:
    """The SQL literal of each value, as psycopg2 quotes it, made once per distinct value of a round trip.

    A round trip of the ledger carries some 300 values, most of them repeats (the person, the
    moment, the contest, the team); quoting each once instead of at every place it stands is a
    third of the client's time for the trip.
    """

    def __init__(self, raw_connection):
        self.raw_connection = raw_connection
        self.known = {}

    def __call__(self, value):
        try:
            key = (type(value), value)
            return self.known[key]
        except TypeError:  # unhashable: quoted every time
            return self._quote(value)
        except KeyError:
            literal = self.known[key] = self._quote(value)
            return literal

    def _quote(self, value):
        adapted = adapt(value)
        prepare = getattr(adapted, "prepare", None)
        if prepare is not None:
            prepare(self.raw_connection)
        return adapted.getquoted().decode()


def _execute_prepared(cursor, statements):
    """Run ``statements`` in one round trip as ``EXECUTE``s, preparing in it those this connection has not."""
    raw_connection = connection.connection
    prepared = _prepared.get(raw_connection)
    if prepared is None:
        prepared = _prepared[raw_connection] = _Prepared()
    literal = _Literals(raw_connection)
    parts, new = [GENERIC_PLANS], []
    for text, params in statements:
        name = prepared.names.get(text)
        numbered, names = _numbering(text)
        if name is None:
            name = f"ledger_{next(prepared.numbers)}"
            new.append(text)
            parts.append(f"PREPARE {name} AS {numbered}")
        arguments = params if names is None else [params[key] for key in names]
        parts.append(f"EXECUTE {name}({', '.join(map(literal, arguments))})" if arguments else f"EXECUTE {name}")
        prepared.names[text] = name
    try:
        cursor.execute(";\n".join(parts))
    except Exception as error:
        if getattr(error.__cause__, "pgcode", None) in _STALE_PREPARED:
            # A migration changed what a prepared statement returns (or the statements are gone):
            # prepare every text anew, or each approval on this connection would fail until it closes.
            prepared.names.clear()
        # Which of them were prepared before the error is unknown: prepare them anew under new names.
        for text in new:
            prepared.names.pop(text, None)
        raise
