"""Import a dolly-format JSONL file (optionally gzip-compressed).

Every line is checked; if any is bad, each is reported as ``FILE:LINE: reason`` and
nothing is imported (the single transaction the lines are written in is rolled back).
Otherwise all lines are imported in file order.  Records imported before (same four
fields) are skipped and counted.

The imported instructions are indexed for the duplicate checks (LSH bands) in the same
transaction, so submissions are flagged when they repeat an imported record from the moment
it exists.  ``--skip-indexing`` leaves that for later (``manage.py refresh_instruction_bands
--missing``).
"""

from django.core.checks import Tags
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from annotations.models import Status
from datasets import services


class Command(BaseCommand):
    help = "Import a dolly-format JSONL (.jsonl or .jsonl.gz) file of demonstrations."
    # The checks an import depends on: the models and the database.  The full set loads every URL,
    # view, template tag and the API schema, which doubled the start-up (about a second of CPU and
    # 90 MB more); 'manage.py check --deploy' and the test suite run them all.
    requires_system_checks = [Tags.models, Tags.database]

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--status",
            choices=[Status.APPROVED, Status.SUBMITTED],
            default=Status.APPROVED,
            help="Status of the imported records (default: approved).",
        )
        parser.add_argument(
            "--author",
            default="",
            help=f"Username the records are credited to (default: the inactive '{services.IMPORT_ACCOUNT}' account).",
        )
        parser.add_argument(
            "--create-categories", action="store_true", help="Add categories the file names that do not exist yet."
        )
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report; import nothing.")
        parser.add_argument(
            "--skip-indexing",
            action="store_true",
            help="Do not index the imported records for duplicate checks in the import; "
            "run 'manage.py refresh_instruction_bands --missing' later.",
        )

    def handle(self, *args, file, status, author, create_categories, dry_run, skip_indexing, **options):
        def opener():
            try:
                # A large buffer: a few reads of the file, not one every 8 KB.
                return open(file, "rb", buffering=1 << 20)  # noqa: SIM115 - closed by the reader
            except OSError as exc:
                raise CommandError(f"{file}: {exc.strerror}")

        try:
            author_user = None if dry_run and not author else services.resolve_import_author(author)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.message_dict["author"]))

        if dry_run:
            report = services.import_check_file(opener, source_name=file, create_categories=create_categories)
            self.refuse_if_bad(file, report)
            self.stdout.write(
                f"{file}: {report.line_count} lines, all valid. {report.line_count - report.duplicate_count} "
                f"would be imported, {report.duplicate_count} skipped as already imported"
                + (f"; new categories: {', '.join(report.new_categories)}" if report.new_categories else "")
                + ". Dry run: nothing was imported."
            )
            return

        try:
            batch, report = services.import_file(
                opener,
                source_name=file,
                author=author_user,
                target_status=status,
                create_categories=create_categories,
                index=not skip_indexing,
            )
        except services.ImportRefused as exc:
            if exc.report is None:
                raise CommandError(f"{exc} Nothing was imported.")
            self.refuse_if_bad(file, exc.report)
            raise
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {batch.imported_count} records from {file} as {status}; "
                f"skipped {batch.skipped_count} already imported."
                + (f" New categories: {', '.join(report.new_categories)}." if report.new_categories else "")
            )
        )
        if skip_indexing:
            self.stdout.write(
                "Not indexed for duplicate checks (--skip-indexing): until 'manage.py "
                "refresh_instruction_bands --missing' runs, new submissions are not compared "
                "with these records."
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Indexed {batch.imported_count} imported records for duplicate checks, in the import's transaction."
            )
        )

    def refuse_if_bad(self, file, report):
        if report.ok:
            return
        for problem in report.problems:
            self.stderr.write(problem)
        hidden = report.problem_count - len(report.problems)
        if hidden > 0:
            self.stderr.write(f"... and {hidden} more bad lines.")
        raise CommandError(f"{file}: {report.problem_count} bad line(s) of {report.line_count}; nothing was imported.")
