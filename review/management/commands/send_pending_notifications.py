"""Queue the e-mails of notifications that were stored but never sent (the queue was down, or a send failed)."""

import datetime
import logging

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from annotations.models import Notification
from core.tasks import enqueue
from review.tasks import send_notification_email

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Queue the e-mail of every notification not yet e-mailed, older than --older-than minutes, "
        f"that has failed fewer than {Notification.EMAIL_ATTEMPTS} times (run it from cron; sending is idempotent, "
        "so a notification is never e-mailed twice)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=10, help="Minutes (default 10).")
        parser.add_argument("--limit", type=int, default=5000, help="At most this many per run.")

    def handle(self, *args, older_than, limit, **options):
        cutoff = timezone.now() - datetime.timedelta(minutes=older_than)
        pending = list(
            Notification.objects.filter(
                emailed_at__isnull=True, created_at__lt=cutoff, email_attempts__lt=Notification.EMAIL_ATTEMPTS
            )
            .exclude(recipient__email="")
            .order_by("created_at")
            .values_list("pk", flat=True)[:limit]
        )
        failed = 0
        for pk in pending:
            try:
                outcome = enqueue(send_notification_email, pk)
            except Exception:  # noqa: BLE001 - one notification never stops the others
                logger.exception("notification %s could not be sent", pk)
                failed += 1
                continue
            failed += outcome.sent is False
        if failed:
            raise CommandError(f"{failed} of {len(pending)} could not be queued; is the task queue up?")
        self.stdout.write(f"{len(pending)} queued.")
