"""The streaming side of an export: which demonstrations, in which order, a chunk at a time.

Rows come from ``values_list(...).iterator(chunk_size=...)``, which on PostgreSQL reads
through a server-side cursor, so memory holds one chunk whatever the size of the table.
Callers run the passes inside one transaction (see ``services.export_snapshot``) so every
pass sees the same rows.
"""

import datetime
import re
from itertools import islice

import numpy as np
from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from annotations import quality
from annotations.models import Category, Demonstration, QualityFlag, Review
from leaderboard.models import Contest

from . import exact_duplicates
from .duplicates import NearDuplicates
from .records import DollyRecord, content_hash

CHUNK_SIZE = 2000
EXCLUDED_FLAG_KINDS = sorted(QualityFlag.EXPORT_EXCLUDED_KINDS)
_CITATION = re.compile(r"\[\d{1,4}\]")
_ROW_FIELDS = ("id", "category_id", "instruction", "context", "response")
_METADATA_ROW_FIELDS = ("public_id", "created_at", "author_id", "submitted_at")
_NEAR_ROW_FIELDS = ("created_at", "context_hash")


def strip_citations(text):
    """Remove bracketed citation markers such as ``[12]``, as the databricks-dolly-15k card recommends."""
    return _CITATION.sub("", text)


def dedupe_key(record):
    """The 64-bit key of the record's three texts, ignoring case and spacing (see ``exact_duplicates``)."""
    return exact_duplicates.dedupe_key(record.instruction, record.context, record.response)


class SeenKeys:
    """The 64-bit dedupe keys of the records read so far, in about 8 bytes a key.

    The latest keys are in a set; every ``run_size`` of them become one sorted NumPy array (a
    run), written once and never resized, so memory grows by the keys alone.  A Python set of
    a million integers takes about 70 MB; the runs take 8.
    """

    def __init__(self, run_size=16384):
        self.run_size = run_size
        self._runs = []
        self._latest = set()

    def __len__(self):
        return sum(len(run) for run in self._runs) + len(self._latest)

    def first_seen(self, keys):
        """For each key in order: ``True`` when neither an earlier call nor an earlier key of ``keys`` had it.
        Remembers the new ones."""
        known = np.zeros(len(keys), dtype=bool)
        if self._runs and keys:
            wanted = np.fromiter(keys, dtype=np.uint64, count=len(keys))
            for run in self._runs:
                positions = np.minimum(np.searchsorted(run, wanted), len(run) - 1)
                known |= run[positions] == wanted
        latest = self._latest
        first = []
        for key, before in zip(keys, known.tolist(), strict=True):
            new = not before and key not in latest
            if new:
                latest.add(key)
            first.append(new)
        if len(latest) >= self.run_size:
            run = np.fromiter(latest, dtype=np.uint64, count=len(latest))
            run.sort()
            self._runs.append(run)
            latest.clear()
        return first


def _day_start(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def selection_filters(options, prefix="", pk_ref="pk"):
    """The export's filters as ``.filter()`` arguments, on the demonstration reached through ``prefix``.

    ``pk_ref`` names that demonstration's id from the filtered model (``demonstration_id`` from
    a band), for the flag subquery.  The duplicate search applies the same filters to the
    earlier records it looks at.
    """
    filters = [Q(**{f"{prefix}status__in": options.statuses})]
    if options.categories:
        filters.append(Q(**{f"{prefix}category__key__in": options.categories}))
    if options.contest:
        contest = Contest.objects.prefetch_related("categories").get(slug=options.contest)
        filters.append(contest.counts(prefix))
    if options.created_from:
        filters.append(Q(**{f"{prefix}created_at__gte": _day_start(options.created_from)}))
    if options.created_to:
        filters.append(Q(**{f"{prefix}created_at__lt": _day_start(options.created_to + datetime.timedelta(days=1))}))
    if options.exclude_flagged:
        filters.append(
            ~Exists(
                QualityFlag.objects.filter(
                    demonstration=OuterRef(pk_ref),
                    kind__in=EXCLUDED_FLAG_KINDS,
                )
            )
        )
    return filters


def selected_demonstrations(options):
    """The queryset an export reads, with every filter that SQL can apply."""
    return Demonstration.objects.filter(*selection_filters(options)).order_by("created_at", "id")


class DemonstrationSource:
    """Yields the selected records as lists of ``DollyRecord``, in (created_at, id) order.

    Transformations that need Python (citation stripping, dedupe, metadata) happen here, per
    chunk.  With ``dedupe`` a record is left out when it repeats an earlier one exactly (the
    three texts, ignoring case and spacing) or nearly (its instruction, see ``duplicates``);
    ``skipped`` counts each kind.
    """

    def __init__(self, options, *, chunk_size=None):
        self.options = options
        self.chunk_size = chunk_size or CHUNK_SIZE
        self.categories = dict(Category.objects.values_list("id", "key"))
        self.skipped = self._no_skips()
        self._near_found = []
        self._exact_found = []

    @staticmethod
    def _no_skips():
        return {"duplicates": 0, "near_duplicates": 0}

    @property
    def near_duplicate_threshold(self):
        threshold = self.options.near_duplicate_threshold
        return settings.DOLLY_NEAR_DUPLICATE_THRESHOLD if threshold is None else threshold

    def count(self):
        return selected_demonstrations(self.options).count()

    def prepare(self):
        """What must be written before the read-only snapshot: the LSH bands of the selected
        records that lack them (the near-duplicate search reads them from the table).
        Returns how many records were indexed."""
        if not self.options.dedupe:
            return 0
        selected = selected_demonstrations(self.options)
        return quality.index_instruction_bands(quality.lacking_bands(selected, drafts=False))  # never exported

    def _rows(self, fields):
        queryset = selected_demonstrations(self.options).values_list(*fields)
        rows = queryset.iterator(chunk_size=self.chunk_size)
        while True:
            chunk = list(islice(rows, self.chunk_size))
            if not chunk:
                return
            yield chunk

    def _rows_and_next(self, fields):
        """Each chunk with the first row of the next one (``None`` after the last): one chunk read ahead."""
        previous = None
        for chunk in self._rows(fields):
            if previous is not None:
                yield previous, chunk[0]
            previous = chunk
        if previous is not None:
            yield previous, None

    def chunks(self):
        """Each chunk once; call again for another pass over the same rows."""
        dedupe = self.options.dedupe
        exact = exact_duplicates.ExactDuplicates(self._texts, SeenKeys()) if dedupe else None
        near = (
            NearDuplicates(
                lambda prefix, pk_ref: selection_filters(self.options, prefix, pk_ref),
                self.near_duplicate_threshold,
            )
            if dedupe
            else None
        )
        self.skipped = self._no_skips()
        categories = self.categories
        strip = self.options.strip_citations
        metadata = self.options.with_metadata
        contests = self._contests() if metadata else None
        fields = _ROW_FIELDS + (_METADATA_ROW_FIELDS if metadata else ()) + (_NEAR_ROW_FIELDS if dedupe else ())
        for index, (rows, following) in enumerate(self._rows_and_next(fields)):
            near_duplicates = self._near_duplicates(index, near, rows, following) if dedupe else ()
            records = []
            for row in rows:
                pk, category_id, instruction, context, response = row[:5]
                record = DollyRecord(
                    instruction, strip_citations(context) if strip else context, response, categories[category_id], pk
                )
                if metadata:
                    public_id, record.created_at, record.author_id, submitted = row[5:9]
                    record.public_id = str(public_id)
                    record.contests = [
                        contest.slug
                        for contest, in_contest in contests
                        if contest.counts_submission(
                            category_id=category_id, submitted_at=submitted, category_ids=in_contest
                        )
                    ]
                records.append(record)
            if dedupe:
                records = self._dedupe(records, self._exact_duplicates(index, exact, records), near_duplicates)
            if self.options.with_metadata and records:
                self._add_metadata(records)
            yield records

    def _near_duplicates(self, index, near, rows, following):
        """The near duplicates of chunk ``index``: searched on the first pass, remembered for the
        next ones (an export with a split reads the rows twice, from the same snapshot)."""
        if index < len(self._near_found):
            return set(self._near_found[index].tolist())
        found = near.find(
            [(row[0], row[-2], row[-1], row[2]) for row in rows],
            following=None if following is None else following[-2],
        )
        self._near_found.append(np.fromiter(found, dtype=np.int64, count=len(found)))
        return found

    def _exact_duplicates(self, index, exact, records):
        """The exact duplicates of chunk ``index`` (ids), found on the first pass and remembered for the
        next ones (as an array: 8 bytes an id)."""
        if index < len(self._exact_found):
            return set(self._exact_found[index].tolist())
        found = {record.pk for record, first in zip(records, exact.first(records), strict=True) if not first}
        self._exact_found.append(np.fromiter(found, dtype=np.int64, count=len(found)))
        return found

    def _texts(self, ids):
        """``(id, instruction, context, response)`` of earlier records, as the export writes them."""
        strip = self.options.strip_citations
        for start in range(0, len(ids), CHUNK_SIZE):
            for pk, instruction, context, response in (
                Demonstration.objects.filter(pk__in=ids[start : start + CHUNK_SIZE])
                .order_by()
                .values_list("id", "instruction", "context", "response")
            ):
                yield pk, instruction, strip_citations(context) if strip else context, response

    def _dedupe(self, records, exact_duplicates, near_duplicates):
        """Leave out the exact duplicates (the first of each key is kept), then the near duplicates."""
        kept = []
        for record in records:
            if record.pk in exact_duplicates:
                self.skipped["duplicates"] += 1
            elif record.pk in near_duplicates:
                self.skipped["near_duplicates"] += 1
            else:
                kept.append(record)
        return kept

    @staticmethod
    def _contests():
        """Every contest's window and categories, to name the contests each record counts for."""
        contests = Contest.objects.prefetch_related("categories").order_by("starts_at", "slug")
        return [(contest, {category.pk for category in contest.categories.all()}) for contest in contests]

    def _add_metadata(self, records):
        """Flags and review ratings for one chunk: two bounded queries, never one per record."""
        ids = [record.pk for record in records]
        flags, ratings = {}, {}
        for demonstration_id, kind in (
            QualityFlag.objects.filter(demonstration_id__in=ids).order_by().values_list("demonstration_id", "kind")
        ):
            flags.setdefault(demonstration_id, set()).add(kind)
        for demonstration_id, rating in (
            Review.objects.filter(demonstration_id__in=ids, rating__isnull=False)
            .order_by("demonstration_id", "created_at", "id")
            .values_list("demonstration_id", "rating")
        ):
            ratings[demonstration_id] = rating
        for record in records:
            record.flags = sorted(flags.get(record.pk, ()))
            record.review_rating = ratings.get(record.pk)


def record_digest(record):
    return content_hash(record.instruction, record.context, record.response, record.category)
