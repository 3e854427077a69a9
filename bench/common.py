"""Pieces every benchmark script shares: scratch databases, COPY escaping, BENCHMARKS.md sections."""

from pathlib import Path

import psycopg2


def copy_escape(value):
    """A value in PostgreSQL's COPY text format (``None`` is ``\\N``)."""
    if value is None:
        return r"\N"
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _admin_execute(admin_url, *statements):
    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        conn.close()


def recreate_database(admin_url, name):
    """An empty scratch database; connections left over from an interrupted run are closed first."""
    _admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')


def drop_database(admin_url, name):
    _admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}"')


def write_section(path, text, start, end):
    """Put ``text`` (which begins with ``start`` and ends with ``end``) into the file, replacing its old section."""
    path = Path(path)
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    if start in current and end in current:
        before, rest = current.split(start, 1)
        _, after = rest.split(end, 1)
        current = before + text.rstrip("\n") + after
    else:
        current = current.rstrip("\n") + "\n\n" + text
    path.write_text(current)
