"""The near-duplicate search of exports as it was before the seen-band filter and the word-cached
trigram sets: every chunk looked up every band value of its records in the table.  Kept here only
to check that the search used by exports keeps exactly the records this one keeps."""

import itertools
from collections import defaultdict

from django.db import connection
from django.db.models import F, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber
from psycopg2 import sql

from annotations import quality
from annotations.models import Demonstration, InstructionBand
from annotations.text import trigram_similarity

from .test_dedupe_once import reference_trigrams as trigrams

PER_BAND = 20
CHUNK_FETCH = 2000
FIRST_ROUND = 4
RECENT_TRIGRAM_SETS = 1000


class ReferenceNearDuplicates:
    """``find(rows)`` -> the ids of the rows that repeat an earlier record of the export.

    ``rows`` is one chunk in export order, as ``(pk, created_at, context_hash, instruction)``.
    ``selection(prefix, pk_ref)`` gives the export's filters for a demonstration reached through
    ``prefix`` (see ``sources.selection_filters``).
    """

    def __init__(self, selection, threshold, *, per_record=None):
        self._selection = selection
        self._filters = {}
        self.threshold = threshold
        self.per_record = per_record or quality.NEAR_DUPLICATE_CANDIDATES
        self._recent = {}

    def selection(self, prefix, pk_ref):
        """The export's filters, built once (the contest filter reads the contest)."""
        if (prefix, pk_ref) not in self._filters:
            self._filters[prefix, pk_ref] = self._selection(prefix, pk_ref)
        return self._filters[prefix, pk_ref]

    def find(self, rows, following=None):
        """``following`` (when the next chunk starts) is not needed here: this search asks the database."""
        if not rows:
            return set()
        keys = {pk: (created_at, pk) for pk, created_at, _hash, _text in rows}
        last_created = max(created_at for _pk, created_at, _hash, _text in rows)
        by_band = [pk for pk, _created, context_hash, _text in rows if not context_hash]
        by_context = defaultdict(list)
        for pk, _created, context_hash, _text in rows:
            if context_hash:
                by_context[context_hash].append(pk)
        candidates = {}
        if by_band:
            candidates.update(self._band_candidates(by_band, keys, last_created))
        if by_context:
            candidates.update(self._context_candidates(by_context, keys, last_created))
        return self._confirm(candidates, {pk: text for pk, _created, _hash, text in rows})

    def _band_candidates(self, by_band, keys, last_created):
        """Earlier records sharing a band with each record of ``by_band``, best first."""
        chunk_ids = list(keys)
        own = defaultdict(list)
        for pk, value in InstructionBand.objects.filter(demonstration_id__in=chunk_ids).values_list(
            "demonstration_id", "value"
        ):
            own[value].append(pk)
        wanted = set(by_band)
        shared = defaultdict(dict)
        earlier_keys = dict(keys)

        def count(d, e):
            shared[d][e] = shared[d].get(e, 0) + 1

        for members in own.values():
            if len(members) > 1:
                first = sorted(members)[:PER_BAND]
                for d in members:
                    if d in wanted:
                        for e in first:
                            if keys[e] < keys[d]:
                                count(d, e)
        values = sorted(value for value, members in own.items() if any(d in wanted for d in members))
        for value, e, created_at in self._sharing_bands(values, by_band, chunk_ids, last_created):
            key = (created_at, e)
            earlier_keys[e] = key
            for d in own[value]:
                if d in wanted and key < keys[d]:
                    count(d, e)
        return {
            d: sorted(others, key=lambda e: (-others[e], earlier_keys[e]))[: self.per_record]
            for d, others in shared.items()
        }

    def _sharing_bands(self, values, by_band, chunk_ids, last_created):
        """``(value, id, created_at)``: for each band value, the ``PER_BAND`` selected records outside the
        chunk, created by ``last_created``, with the lowest ids.

        On PostgreSQL a lateral join looks each value up in the ``(value, demonstration)`` index and
        stops at ``PER_BAND`` rows, so a value shared by a great many records costs no more than a rare
        one.  Elsewhere a window function ranks the rows of each value.
        """
        if not values:
            return []
        if connection.vendor != "postgresql":
            return (
                InstructionBand.objects.filter(
                    value__in=InstructionBand.objects.filter(demonstration_id__in=by_band).values("value")
                )
                .exclude(demonstration_id__in=chunk_ids)
                .filter(*self.selection("demonstration__", "demonstration_id"))
                .filter(demonstration__created_at__lte=last_created)
                .annotate(rank=Window(RowNumber(), partition_by=[F("value")], order_by=[F("demonstration_id").asc()]))
                .filter(rank__lte=PER_BAND)
                .values_list("value", "demonstration_id", "demonstration__created_at")
            )
        selected = (
            Demonstration.objects.filter(*self.selection("", "pk"))
            .filter(pk=RawSQL('"band"."demonstration_id"', []), created_at__lte=last_created)  # noqa: S611
            .order_by()
            .values("pk")
        )
        selected_sql, selected_params = selected.query.sql_with_params()
        # Composed with psycopg2.sql: quoted table names, a constant and the SQL Django compiled;
        # every value is a parameter.
        query = sql.SQL(
            """
            SELECT wanted.value, found.demonstration_id, found.created_at
            FROM unnest(%s::bigint[]) AS wanted(value)
            CROSS JOIN LATERAL (
                SELECT band.demonstration_id, earlier.created_at
                FROM {bands} AS band
                JOIN {demonstrations} AS earlier ON earlier.id = band.demonstration_id
                WHERE band.value = wanted.value AND NOT (band.demonstration_id = ANY(%s::bigint[]))
                  AND EXISTS ({selected})
                ORDER BY band.demonstration_id
                LIMIT {limit}
            ) AS found"""
        ).format(
            bands=sql.Identifier(InstructionBand._meta.db_table),
            demonstrations=sql.Identifier(Demonstration._meta.db_table),
            selected=sql.SQL(selected_sql),
            limit=sql.Literal(int(PER_BAND)),
        )
        connection.ensure_connection()
        statement = query.as_string(connection.connection)
        with connection.cursor() as cursor:
            cursor.execute(statement, [values, chunk_ids, *selected_params])
            return cursor.fetchall()

    def _context_candidates(self, by_context, keys, last_created):
        """Earlier records with the same reference text as each record of ``by_context``, earliest first."""
        candidates = defaultdict(list)
        for members in by_context.values():
            for d in members:
                candidates[d] = [e for e in members if keys[e] < keys[d]]
        earlier = (
            Demonstration.objects.filter(*self.selection("", "pk"))
            .filter(context_hash__in=list(by_context), created_at__lte=last_created)
            .exclude(context_hash="")
            .exclude(pk__in=list(keys))
            .annotate(
                rank=Window(
                    RowNumber(), partition_by=[F("context_hash")], order_by=[F("created_at").asc(), F("id").asc()]
                )
            )
            .filter(rank__lte=self.per_record)
            .order_by()
            .values_list("context_hash", "id", "created_at")
        )
        found = defaultdict(list)
        for context_hash, e, created_at in earlier:
            found[context_hash].append((created_at, e))
        for context_hash, members in by_context.items():
            outside = sorted(found.get(context_hash, ()))
            for d in members:
                before = [e for created_at, e in outside if (created_at, e) < keys[d]]
                candidates[d] = (before + candidates[d])[: self.per_record]
        return candidates

    def _confirm(self, candidates, texts):
        """The records whose instruction is near-identical to one of their candidates'.

        First each record's ``FIRST_ROUND`` best candidates, best first: a duplicate is nearly
        always settled by its first.  Then the rest, for the records still undecided.
        """
        duplicates = set()
        first = {d: others[:FIRST_ROUND] for d, others in candidates.items() if others}
        fetched = dict(self._texts(sorted({e for others in first.values() for e in others} - texts.keys())))
        for d, others in first.items():
            for e in others:
                if self._similar(d, texts[d], e, texts.get(e, fetched.get(e))):
                    duplicates.add(d)
                    break
        fetched.clear()
        by_other = defaultdict(list)
        for d, others in candidates.items():
            if d not in duplicates:
                for e in others[FIRST_ROUND:]:
                    by_other[e].append(d)
        inside = [(e, texts[e]) for e in by_other if e in texts]
        for e, text in itertools.chain(inside, self._texts(sorted(by_other.keys() - texts.keys()))):
            for d in by_other[e]:
                if d not in duplicates and self._similar(d, texts[d], e, text):
                    duplicates.add(d)
        return duplicates

    def _texts(self, ids):
        """``(id, instruction)`` of ``ids``, ``CHUNK_FETCH`` per query."""
        for start in range(0, len(ids), CHUNK_FETCH):
            yield from (
                Demonstration.objects.filter(pk__in=ids[start : start + CHUNK_FETCH])
                .order_by()
                .values_list("id", "instruction")
            )

    def _similar(self, d, mine, e, theirs):
        return trigram_similarity(self._trigrams(d, mine), self._trigrams(e, theirs)) >= self.threshold

    def _trigrams(self, pk, text):
        """Trigram sets of the records compared last (the earliest copy of a popular text recurs)."""
        grams = self._recent.pop(pk, None)
        if grams is None:
            grams = trigrams(text)
            if len(self._recent) >= RECENT_TRIGRAM_SETS:
                del self._recent[next(iter(self._recent))]
        self._recent[pk] = grams
        return grams
