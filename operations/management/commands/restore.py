from django.core.management.base import BaseCommand, CommandError

from operations.backups import BackupError, restore


class Command(BaseCommand):
    help = "Restore a folder written by `backup` into the configured (empty) database and media folder."

    def add_arguments(self, parser):
        parser.add_argument("source", help="The backup folder.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Replace the site already in the database (its tables are dropped first).",
        )

    def handle(self, *args, source, replace, **options):
        try:
            manifest = restore(source, replace=replace)
        except BackupError as error:
            raise CommandError(str(error))
        self.stdout.write(self.style.SUCCESS(f"Restored the backup of {manifest['created_at']}."))
