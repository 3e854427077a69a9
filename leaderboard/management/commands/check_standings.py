"""Prove that the running totals agree with the points ledger; exit 1 when they do not."""

from django.core.management.base import BaseCommand, CommandError

from leaderboard.services import standings_differences


class Command(BaseCommand):
    help = "Compare standings, team standings and category progress with the ledger; exit 1 on any mismatch."

    def handle(self, *args, **options):
        differences = standings_differences()
        for difference in differences[:50]:
            self.stderr.write(str(difference))
        if differences:
            raise CommandError(
                f"{len(differences)} running totals disagree with the ledger; run rebuild_standings to fix them."
            )
        self.stdout.write(self.style.SUCCESS("Standings match the ledger."))
