"""Checking the running totals against the ledger, and rebuilding them from it (set-based SQL, see ``recompute``)."""

from dataclasses import dataclass

from django.db import transaction

from . import recompute
from .totals import serialise_ledger_writers

TABLES = recompute.TABLES


@dataclass
class Difference:
    table: str
    key: tuple
    expected: tuple | None
    stored: tuple | None

    def __str__(self):
        return f"{self.table} {self.key}: ledger says {self.expected}, stored {self.stored}"


def _sort_key(key):
    return (key[0] is not None, key[0] or 0, *(str(part) for part in key[1:]))


def standings_differences(tables=None):
    """What differs between the running totals and the ledger (empty when they agree), table by table.

    The expected standings and board totals are computed once each (into temporary tables) and
    every table is compared in one ``EXCEPT`` statement: nothing of the ledger is loaded into Python.
    """
    names = [name for name in TABLES if tables is None or name in tables]
    bases = {TABLES[name][4] or name for name in names} & {"standing", "board_total"}
    differences = []
    with transaction.atomic():
        recompute.roomy_sorts()
        copies = {base: recompute.expected_copy(base) for base in bases}
        for name in names:
            source = copies.get(TABLES[name][4]) if TABLES[name][4] else None
            if name in copies:
                rows = recompute.table_differences(name, override=copies[name])
            else:
                rows = recompute.table_differences(name, source)
            for key, expected, stored in sorted(rows, key=lambda row: _sort_key(row[0])):
                differences.append(Difference(name, key, expected, stored))
        for base in copies:
            recompute.drop_copy(base)
    return differences


@transaction.atomic
def rebuild_standings(*, tables=None, report=None):
    """Replace every running total (or ``tables``) with what the ledger says; returns {table: rows written}.

    One ``INSERT ... SELECT ... GROUP BY`` per table, in one transaction holding the ledger
    writer lock, so no entry is added meanwhile.  On PostgreSQL the tables are emptied with
    ``TRUNCATE``: boards wait for the rebuild to commit rather than read half a table.
    ``report(name, rows)`` is called as each table is done.
    """
    serialise_ledger_writers()
    recompute.roomy_sorts()
    written = {}
    for name in TABLES:
        if tables is not None and name not in tables:
            continue
        written[name] = recompute.rebuild_table(name)
        if report is not None:
            report(name, written[name])
    return written
