"""The export pipeline: source -> formatters -> destination, one streamed pass (two with a split).

``Exporter.run`` stages every file of the export, and publishes them under their final
names only after all of them are complete (the manifest last).  Any exception discards
the staged files, so a failed export leaves nothing that looks finished.  ``prepare`` runs
first, outside the snapshot: with dedupe it indexes the selected records that lack LSH bands.
"""

from array import array
from contextlib import closing, contextmanager
from dataclasses import dataclass, field

import numpy as np
from django.db import connection, transaction

from . import card as card_module
from .formatters import FORMATTERS, formatter_for
from .sources import DemonstrationSource, record_digest
from .split import SplitPlanner

HASH_LIST_NAME = "record-hashes.txt"
MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "dolly-collect-release/1"


@contextmanager
def export_snapshot():
    """One consistent view of the data for every pass of an export.

    On PostgreSQL: a read-only REPEATABLE READ transaction, which also lets the source read
    through a plain (not WITH HOLD) server-side cursor.  Inside an outer transaction the
    caller's transaction is used as it is.  SQLite reads without one, so an export does not
    hold its write lock.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def bundle_name(fmt, split):
    return f"{split or 'data'}.{FORMATTERS[fmt].extension}"


@dataclass
class ExportResult:
    files: list
    record_count: int
    counts: dict
    card: str = ""
    manifest: dict = field(default_factory=dict)
    diff: dict | None = None


class Exporter:
    """Runs one export into ``destination``.

    ``naming(fmt, split)`` gives each data file its name; ``bundle`` adds the dataset
    card, the licence, the sorted record-hash list and the manifest.  ``progress(percent)``
    is called as rows are read.  ``previous`` is
    ``(release_id, sorted_hashes_loader)`` for the diff against an earlier release.
    """

    def __init__(
        self,
        options,
        destination,
        *,
        naming=bundle_name,
        bundle=False,
        progress=None,
        title="Dolly Collect dataset",
        release_id=None,
        released_at=None,
        previous=None,
        chunk_size=None,
    ):
        self.options = options
        self.destination = destination
        self.naming = naming
        self.bundle = bundle
        self.reports_progress = progress is not None
        self.progress = progress or (lambda percent: None)
        self.title = title
        self.release_id = release_id
        self.released_at = released_at
        self.previous = previous
        self.source = DemonstrationSource(options, chunk_size=chunk_size)
        self._staged = []
        self._last_percent = -1
        self.result = None

    def _report(self, done, total, start, span):
        percent = start + (span * done // total if total else span)
        if percent != self._last_percent:
            self._last_percent = percent
            self.progress(percent)

    def _plan_split(self, total):
        planner = SplitPlanner(fraction=self.options.test_fraction, seed=self.options.seed)
        done = 0
        with closing(self.source.chunks()) as chunks:
            for records in chunks:
                for record in records:
                    planner.add(record.category, record.pk, record_digest(record))
                done += self.source.chunk_size
                self._report(min(done, total), total, 0, 40)
        return planner.test_ids()

    def _stage(self, name, role):
        staged = self.destination.stage(name, role)
        self._staged.append(staged)
        return staged

    def run(self):
        """Prepare, build and publish, outside any snapshot."""
        self.prepare()
        self.build()
        return self.publish()

    def prepare(self):
        """Writes the export depends on, done before the read-only snapshot ``build`` runs in
        (the near-duplicate index of selected records that lack it).  Returns how many records were indexed."""
        return self.source.prepare()

    def build(self):
        """Write every file under its staging name.  Nothing is visible under a final name yet."""
        try:
            self.result = self._build()
            stash = getattr(self.destination, "stash", None)
            if stash is not None:
                stash(self._staged)
        except BaseException:
            self.discard()
            raise
        return self.result

    def publish(self):
        """Move the staged files to their final names, the manifest last."""
        try:
            for staged in list(self._staged):
                self.destination.publish(staged)
                self._staged.remove(staged)
        except BaseException:
            self.discard()
            raise
        self.progress(100)
        return self.result

    def discard(self):
        for staged in self._staged:
            staged.discard()
        self._staged = []

    def _build(self):
        options = self.options
        total = self.source.count() if self.reports_progress else 0
        test_ids = self._plan_split(total) if options.split else None
        start = 40 if options.split else 0
        splits = ("train", "test") if options.split else (None,)

        sinks = []
        for fmt in options.formats:
            for split in splits:
                staged = self._stage(self.naming(fmt, split), "data")
                staged.records = 0
                formatter = formatter_for(fmt, with_metadata=options.with_metadata, ensure_ascii=options.ensure_ascii)
                formatter.open(staged.handle)
                sinks.append((split, staged, formatter))

        stats = card_module.CardStats() if self.bundle else card_module.CategoryCounts()
        hashes = array("Q")
        read = 0
        with closing(self.source.chunks()) as chunks:
            for records in chunks:
                if test_ids is None:
                    parts = {None: records}
                else:
                    parts = {"train": [], "test": []}
                    for record in records:
                        parts["test" if record.pk in test_ids else "train"].append(record)
                for split, part in parts.items():
                    stats.add(part, split)
                for split, staged, formatter in sinks:
                    part = parts[split]
                    formatter.write(part)
                    staged.records += len(part)
                if self.bundle:
                    hashes.extend([int(record_digest(record)[:16], 16) for record in records])
                read += self.source.chunk_size
                self._report(min(read, total), total, start, 95 - start)
        for _split, _staged, formatter in sinks:
            formatter.close()

        record_count = sum(stats.counts().values())
        counts = {"categories": stats.counts(), "skipped": dict(self.source.skipped)}
        if options.split:
            counts["splits"] = {name: dict(sorted(c.items())) for name, c in sorted(stats.split_counts.items())}
        entries = [staged.finish() for _split, staged, _formatter in sinks]
        result = ExportResult(files=entries, record_count=record_count, counts=counts)
        if self.bundle:
            self._write_bundle(result, stats, np.sort(np.frombuffer(hashes, dtype=np.uint64)))
        return result

    def _write_bundle(self, result, stats, sorted_hashes):
        options = self.options
        hash_file = self._stage(HASH_LIST_NAME, "record_hashes")
        step = 100_000
        for start in range(0, len(sorted_hashes), step):
            hash_file.handle.write(
                "".join(f"{h:016x}\n" for h in sorted_hashes[start : start + step].tolist()).encode()
            )
        hash_file.records = len(sorted_hashes)
        result.files.append(hash_file.finish())

        if self.previous is not None:
            previous_id, load_previous = self.previous
            previous_hashes = load_previous()
            if previous_hashes is not None:
                result.diff = {"previous_release": previous_id, **diff_hashes(previous_hashes, sorted_hashes)}

        filters = options.filters_dict()
        result.card = card_module.render_card(
            title=self.title,
            stats=stats,
            record_count=result.record_count,
            filters=filters,
            files=list(result.files),
            skipped=result.counts["skipped"],
            split_fraction=options.test_fraction,
            released_at=self.released_at,
            configs=dataset_configs(options.formats, options.split, self.naming),
        )
        for name, role, payload in (
            ("README.md", "card", result.card.encode("utf-8")),
            ("LICENSE", "license", card_module.LICENSE_TEXT.encode("utf-8")),
        ):
            staged = self._stage(name, role)
            staged.handle.write(payload)
            result.files.append(staged.finish())

        result.manifest = {
            "format": MANIFEST_FORMAT,
            "release": self.release_id,
            "released_at": self.released_at,
            "filters": filters,
            "formats": list(options.formats),
            "record_count": result.record_count,
            "counts": result.counts,
            "files": list(result.files),
            "diff": result.diff,
        }
        manifest = self._stage(MANIFEST_NAME, "manifest")
        manifest.handle.write(card_module.manifest_json(result.manifest))
        result.files.append(manifest.finish())


def dataset_configs(formats, split, naming=bundle_name):
    """The card's ``configs``: per format, its data file per split, for ``datasets.load_dataset``."""
    splits = ("train", "test") if split else (None,)
    return [(fmt, [(name or "train", naming(fmt, name)) for name in splits]) for fmt in formats]


def diff_hashes(previous, current):
    """Records added and removed between two sorted hash arrays, counting repeated records as many times."""
    prev_values, prev_counts = np.unique(previous, return_counts=True)
    cur_values, cur_counts = np.unique(current, return_counts=True)
    _common, prev_index, cur_index = np.intersect1d(prev_values, cur_values, assume_unique=True, return_indices=True)
    kept = int(np.minimum(prev_counts[prev_index], cur_counts[cur_index]).sum())
    return {"added": int(len(current)) - kept, "removed": int(len(previous)) - kept}


def read_hash_list(handle):
    """Parse a ``record-hashes.txt`` file (an open binary file) into a sorted uint64 array."""
    values = array("Q")
    for line in handle:
        line = line.strip()
        if line:
            values.append(int(line, 16))
    return np.sort(np.frombuffer(values, dtype=np.uint64))
