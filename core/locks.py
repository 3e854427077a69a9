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


def transaction_lock_statement(key, *, using=DEFAULT_DB_ALIAS):
    """The statement ``transaction_lock`` runs (text with a ``%(lock)s`` parameter, and the parameters), or None.

    To send it ahead of a statement that must run under the lock, in one round trip: on
    PostgreSQL each statement of a query string is its own command, so what follows the lock
    reads what the previous holder committed.  None on SQLite, where there is no lock to take.
    """
    if connections[using].vendor != "postgresql":
        return None
    return "SELECT pg_advisory_xact_lock(%(lock)s)", {"lock": key}
