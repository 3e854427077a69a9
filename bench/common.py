"""Pieces every benchmark script shares: Django set-up, scratch databases, COPY loading, the machine's
description and BENCHMARKS.md sections.  SQL identifiers are composed with ``psycopg2.sql``."""

import io
import os
import platform
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg2
from psycopg2 import sql

from core.pgcopy import copy_text as copy_escape

__all__ = [
    "CONTEXT_CATEGORIES",
    "copy_escape",
    "copy_rows",
    "copy_statement",
    "drop_database",
    "machine",
    "recreate_database",
    "scratch_database_url",
    "setup_django",
    "write_section",
]

# The generated records of these categories carry a reference text, as in the dolly dataset.
CONTEXT_CATEGORIES = ("closed_qa", "information_extraction", "summarization")


def setup_django(url, **env):
    """Django on the benchmark's database, with tasks run in-process (no worker to wait for)."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.pop("REDIS_URL", None)
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ["STATICFILES_BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "dolly_collect.settings"
    os.environ.update({key: str(value) for key, value in env.items()})
    import django

    django.setup()
    from dolly_collect.celery import app

    app.conf.task_always_eager = True


def scratch_database_url(url, suffix):
    """The URL and name of a scratch database beside ``url``'s: the same server, its name plus ``suffix``."""
    parsed = urlparse(url)
    name = parsed.path.lstrip("/") + suffix
    return urlunparse(parsed._replace(path="/" + name)), name


def copy_statement(table, columns, options=""):
    """``COPY table (columns) FROM STDIN [options]`` with quoted identifiers; ``options`` is fixed SQL."""
    return sql.SQL("COPY {} ({}) FROM STDIN{}").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns)), sql.SQL(options)
    )


def copy_rows(cursor, table, columns, rows, chunk=50_000):
    """Load ``rows`` (tuples) into ``table`` with COPY, ``chunk`` rows at a time; returns how many."""
    statement = copy_statement(table, columns)
    buffer, count = io.StringIO(), 0
    for row in rows:
        buffer.write("\t".join(copy_escape(v) for v in row) + "\n")
        count += 1
        if count % chunk == 0:
            buffer.seek(0)
            cursor.copy_expert(statement, buffer)
            buffer = io.StringIO()
    buffer.seek(0)
    cursor.copy_expert(statement, buffer)
    return count


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
    _admin_execute(
        admin_url,
        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)),
        sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)),
    )


def drop_database(admin_url, name):
    _admin_execute(admin_url, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def database_exists(admin_url, name):
    conn = psycopg2.connect(admin_url)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return cursor.fetchone() is not None
    finally:
        conn.close()


def _first_line(path, prefix):
    try:
        with open(path) as info:
            return next((line.split(":", 1)[1].strip() for line in info if line.startswith(prefix)), "")
    except OSError:
        return ""


def machine(database_url=None):
    """What the numbers were measured on: the machine, Python and PostgreSQL, and the load before the run."""
    memory = _first_line("/proc/meminfo", "MemTotal")
    memory = f"{int(memory.split()[0]) / 1024 / 1024:.1f} GiB" if memory else ""
    cpu = _first_line("/proc/cpuinfo", "model name") or platform.processor()
    info = {
        "uname": " ".join(part for part in platform.uname() if part),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "python": platform.python_version(),
        "postgresql": "",
        "postgresql_settings": "",
        "load_before": os.getloadavg()[0],
    }
    url = database_url or os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        with psycopg2.connect(url) as conn, conn.cursor() as cursor:
            cursor.execute("SHOW server_version")
            info["postgresql"] = cursor.fetchone()[0]
            settings = []
            for name in ("shared_buffers", "max_wal_size", "checkpoint_timeout", "wal_compression"):
                cursor.execute(f"SHOW {name}")
                settings.append(f"{name} {cursor.fetchone()[0]}")
            info["postgresql_settings"] = ", ".join(settings)
    info["summary"] = f"{platform.system()} {platform.release()}, {info['nproc']} cores ({cpu}), {memory or '?'} RAM"
    return info


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
