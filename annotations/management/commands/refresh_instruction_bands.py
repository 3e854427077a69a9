from django.core.management.base import BaseCommand

from annotations.quality import refresh_instruction_bands


class Command(BaseCommand):
    help = "Recompute the near-duplicate index (MinHash/LSH bands) of every submitted instruction."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument(
            "--missing",
            action="store_true",
            help="Only the records that have no bands yet, e.g. after import_dataset --skip-indexing.",
        )

    def handle(self, *args, batch_size, missing, **options):
        count = refresh_instruction_bands(batch_size=batch_size, missing_only=missing)
        self.stdout.write(f"Indexed {count} demonstrations.")
