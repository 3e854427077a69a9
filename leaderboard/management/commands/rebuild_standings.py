"""Recompute standings, team standings and category progress from the points ledger."""

from django.core.management.base import BaseCommand

from leaderboard.services import rebuild_standings


class Command(BaseCommand):
    help = "Recompute every running total from the points ledger (the ledger itself is never changed)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only report what would change.")

    def handle(self, *args, dry_run=False, **options):
        differences = rebuild_standings(dry_run=dry_run)
        for difference in differences[:50]:
            self.stdout.write(str(difference))
        if len(differences) > 50:
            self.stdout.write(f"... and {len(differences) - 50} more")
        verb = "would change" if dry_run else "changed"
        self.stdout.write(self.style.SUCCESS(f"{len(differences)} running totals {verb}."))
