from django.core.management.base import BaseCommand, CommandError

from operations.backups import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database (pg_dump, or SQLite's online backup) and the media files into a new folder."

    def add_arguments(self, parser):
        parser.add_argument("destination", help="A folder that does not exist yet.")

    def handle(self, *args, destination, **options):
        try:
            manifest = backup(destination)
        except BackupError as error:
            raise CommandError(str(error))
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {destination} (database sha256 {manifest['database']['sha256'][:12]}…)."
            )
        )
