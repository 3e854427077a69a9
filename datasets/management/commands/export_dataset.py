"""Export demonstrations to a file (or, with --bundle, a release folder), without Celery.

With only ``--out PATH`` it writes the approved records as plain dolly JSONL to PATH.
Files are written under a temporary name beside their final one and renamed when complete.
"""

import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from annotations.models import Status
from datasets import services
from datasets.options import DEFAULT_SEED, FORMATS, ExportOptions, parse_split


class Command(BaseCommand):
    help = "Export demonstrations as dolly JSONL, parquet or CSV."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="The file to write; a folder with --bundle.")
        parser.add_argument("--format", choices=FORMATS, default="jsonl")
        parser.add_argument(
            "--status",
            action="append",
            choices=Status.values,
            help="Review status to export; repeat for several (default: approved).",
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
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Seed of the split.")
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

    def handle(self, *args, **opts):
        try:
            fraction = parse_split(opts["split"]) if opts["split"] else None
            options = ExportOptions.from_dict(
                {
                    "statuses": opts["status"] or [Status.APPROVED.value],
                    "categories": opts["category"] or [],
                    "contest": opts["contest"] or "",
                    "created_from": opts["created_from"],
                    "created_to": opts["created_to"],
                    "exclude_flagged": opts["exclude_flagged"],
                    "dedupe": opts["dedupe"],
                    "strip_citations": opts["strip_citations"],
                    "test_fraction": fraction,
                    "seed": opts["seed"],
                    "with_metadata": opts["with_metadata"],
                    "ensure_ascii": not opts["utf8"],
                },
                formats=[opts["format"]],
            )
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
