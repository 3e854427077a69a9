"""Recompute every running total of the points ledger, one SQL statement per table."""

import time

from django.core.management.base import BaseCommand

from leaderboard.services import rebuild_standings, standings_differences


class Command(BaseCommand):
    help = (
        "Recompute standings, team standings, score histograms, category progress and the window, category "
        "and team boards from the points ledger (the ledger itself is never changed)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Only report which running totals differ from the ledger."
        )

    def handle(self, *args, dry_run=False, verbosity=1, **options):
        if dry_run:
            differences = standings_differences()
            if verbosity >= 2:
                for difference in differences[:50]:
                    self.stdout.write(str(difference))
                if len(differences) > 50:
                    self.stdout.write(f"... and {len(differences) - 50} more")
            elif verbosity >= 1:
                for table in sorted({difference.table for difference in differences}):
                    count = sum(1 for difference in differences if difference.table == table)
                    self.stdout.write(f"{table}: {count} would change")
            if verbosity >= 1:
                self.stdout.write(self.style.SUCCESS(f"{len(differences)} running totals would change."))
            return
        started = time.monotonic()

        def report(table, rows):
            if verbosity >= 2:
                self.stdout.write(f"{table}: {rows} rows from the ledger ({time.monotonic() - started:.1f} s)")

        written = rebuild_standings(report=report)
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Rebuilt {len(written)} tables ({sum(written.values())} rows) from the ledger "
                    f"in {time.monotonic() - started:.1f} s."
                )
            )
