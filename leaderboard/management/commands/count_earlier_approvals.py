"""Award the points of approvals that hold none yet: all time, and in every contest that counts them."""

from django.core.management.base import BaseCommand

from leaderboard.models import Contest
from leaderboard.services.late_approvals import contest_count_earlier_approvals


class Command(BaseCommand):
    help = (
        "Award the standard all-time points of approvals made before they existed, and each contest's points for "
        "approvals it counts but holds no award for. Safe to run again: nothing is awarded twice."
    )

    def handle(self, *args, **options):
        awarded = contest_count_earlier_approvals(contest=None)
        self.stdout.write(f"All time: {awarded} approvals counted.")
        for contest in Contest.objects.order_by("starts_at", "id"):
            awarded = contest_count_earlier_approvals(contest=contest)
            self.stdout.write(f"{contest.slug}: {awarded} approvals counted.")
