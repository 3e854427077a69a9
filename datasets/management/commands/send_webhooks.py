from django.core.management.base import BaseCommand

from datasets.webhooks.services import webhook_send_due


class Command(BaseCommand):
    help = "Attempt every webhook delivery that is due (retries when tasks run in-process; run it from cron)."

    def handle(self, *args, **options):
        results = webhook_send_due()
        self.stdout.write(f"{len(results)} deliveries attempted.")
