"""Export demonstrations to a file (or, with --bundle, a release folder), without Celery.

With only ``--out PATH`` it writes the approved records as plain dolly JSONL to PATH.
Files are written under a temporary name beside their final one and renamed when complete.
"""

import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from datasets import services
from datasets.options import DEFAULT_SEED, FORMATS, ExportOptions, parse_split


class Command(BaseCommand):
    help = "Export demonstrations as dolly JSONL, parquet or CSV."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="The file to write; a folder with --bundle.")
        parser.add_argument("--format", default="jsonl", help=f"One of {', '.join(FORMATS)} (default: jsonl).")
        parser.add_argument(
            "--status",
            action="append",
            help="Review status to export; repeat for several (default: approved; drafts are never exported).",
        )
        parser.add_argument("--category", action="append", help="Category key; repeat for several (default: all).")
        parser.add_argument(
            "--contest",
            help="Only records that count for this contest (by slug): submitted during it, in one of its categories.",
        )
        parser.add_argument("--from", dest="created_from", help="Created on or after this date (YYYY-MM-DD).")
        parser.add_argument("--to", dest="created_to", help="Created on or before this date (YYYY-MM-DD).")
        parser.add_argument(
            "--exclude-flagged",
            action="store_true",
            help="Leave out records flagged for personal data, AI phrasing or duplication.",
        )
        parser.add_argument(
            "--dedupe",
            action="store_true",
            help="Leave out exact duplicates (ignoring case and spacing) and near duplicates "
            "(instruction similar to an earlier record's, DOLLY_NEAR_DUPLICATE_THRESHOLD); "
            "the earliest is kept.",
        )
        parser.add_argument(
            "--strip-citations",
            action="store_true",
            help="Remove bracketed citation markers such as [12] from reference texts.",
        )
        parser.add_argument("--split", help="Write a train and a test file, e.g. test=0.1 (stratified by category).")
        parser.add_argument("--seed", help=f"Seed of the split (default: {DEFAULT_SEED}).")
        parser.add_argument(
            "--with-metadata",
            action="store_true",
            help="Add id, created time, anonymous contributor id, review rating and flags.",
        )
        parser.add_argument("--utf8", action="store_true", help="Write non-ASCII characters as UTF-8, unescaped.")
        parser.add_argument(
            "--bundle",
            action="store_true",
            help="Write a release folder: data, README.md card, LICENSE, manifest.json.",
        )

    # Command-line argument -> export option (the schema in datasets.options checks every value).
    OPTION_NAMES = {
        "status": "statuses",
        "category": "categories",
        "contest": "contest",
        "created_from": "created_from",
        "created_to": "created_to",
        "exclude_flagged": "exclude_flagged",
        "dedupe": "dedupe",
        "strip_citations": "strip_citations",
        "seed": "seed",
        "with_metadata": "with_metadata",
    }

    def options_given(self, opts):
        """The export options the command line names, in the schema's terms; absent ones keep its defaults."""
        given = {option: opts[arg] for arg, option in self.OPTION_NAMES.items() if opts[arg] not in (None, False)}
        given["ensure_ascii"] = not opts["utf8"]
        given["formats"] = [opts["format"]]
        if opts["split"]:
            given["test_fraction"] = parse_split(opts["split"])
        return given

    def handle(self, *args, **opts):
        try:
            options = ExportOptions.from_dict(self.options_given(opts))
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {m}" for k, msgs in exc.message_dict.items() for m in msgs))

        out = opts["out"]
        if opts["bundle"]:
            os.makedirs(out, exist_ok=True)
            directory, naming = out, None
        else:
            directory = os.path.dirname(os.path.abspath(out))
            if not os.path.isdir(directory):
                raise CommandError(f"{out}: the folder {directory} does not exist.")
            base = os.path.basename(out)
            stem, dot, suffix = base.rpartition(".") if "." in base else (base, "", "")

            def naming(fmt, split):
                return base if split is None else f"{stem}-{split}{dot}{suffix}"

        try:
            result = services.export_to_path(options, directory, bundle=opts["bundle"], naming=naming)
        except OSError as exc:
            raise CommandError(f"{out}: {exc}")
        for entry in result.files:
            records = f"{entry['records']} records, " if "records" in entry and entry["role"] == "data" else ""
            self.stdout.write(
                f"{os.path.join(directory, entry['name'])}: {records}{entry['size']} bytes, sha256 {entry['sha256']}"
            )
        if options.dedupe:
            skipped = result.counts.get("skipped", {})
            self.stdout.write(
                f"Left out {skipped.get('duplicates', 0)} exact and "
                f"{skipped.get('near_duplicates', 0)} near duplicates."
            )
        self.stdout.write(self.style.SUCCESS(f"Exported {result.record_count} records."))
