"""Re-encrypt every webhook signing secret under the newest key of ``DOLLY_WEBHOOK_KEYS``.

Rotation: put the new key first in ``DOLLY_WEBHOOK_KEYS`` (keeping the old one after it), restart
the site and workers, run this, then drop the old key.  Without ``DOLLY_WEBHOOK_KEYS`` the keys are
``SECRET_KEY`` then ``SECRET_KEY_FALLBACKS``.
"""

from django.core.management.base import BaseCommand, CommandError

from datasets.webhooks.services import webhook_secrets_rotate


class Command(BaseCommand):
    help = "Re-encrypt every webhook signing secret under the newest key (before dropping an old one)."

    def handle(self, *args, **options):
        rotated, unreadable = webhook_secrets_rotate()
        self.stdout.write(f"{rotated} webhook secrets encrypted under the newest key.")
        if unreadable:
            raise CommandError(
                f"{len(unreadable)} webhook secrets are readable by no configured key (endpoints "
                + ", ".join(str(public_id) for public_id in unreadable)
                + "): put their key back in DOLLY_WEBHOOK_KEYS, or register those endpoints again."
            )
