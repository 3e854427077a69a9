"""Serialising writers that must not run side by side."""

from django.db import DEFAULT_DB_ALIAS, connections


def transaction_lock(key, *, using=DEFAULT_DB_ALIAS):
    """Wait for any other transaction holding lock ``key``, then hold it until this one ends.

    A transaction-scoped PostgreSQL advisory lock (``key`` is any bigint, one per kind of
    writer), released at commit or rollback; call it inside a transaction.  SQLite lets one
    writer at a time anyway, so there it does nothing.
    """
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
