"""Near duplicates within one export, found a chunk at a time through the index the review checks use.

A record is a near duplicate when its instruction is near-identical to that of an EARLIER record
of the same export (order ``created_at, id``), with the rule of ``annotations.quality``:

- a record with a reference text is compared with the records that have the same reference
  text (equal ``context_hash``, an index): generic instructions such as "Summarise this
  passage" are only duplicates on the same passage;
- a record without one is compared with the records sharing one of its MinHash/LSH bands
  (``InstructionBand``, an equality index);
- near-identical means trigram similarity of the instructions at or above the threshold
  (``DOLLY_NEAR_DUPLICATE_THRESHOLD``, recorded with the export's filters).

"Earlier record" means any earlier record the export selects, kept or not, so the answer for
a record depends only on the data, never on what else was left out: the same data gives the
same bytes.  ``find`` is called with the chunks in export order, from the first.  Per chunk: one
query for the chunk's own bands, one for earlier records sharing them, one for earlier records
sharing a reference text, then the instructions of the candidates, ``CHUNK_FETCH`` at a time.

Only an earlier chunk can hold a candidate, so ``SeenValues`` remembers, in a fixed 8 MB bit
array, the band values and reference texts of the chunks already searched: a value no earlier
chunk had is not looked up (most band values belong to one record only).  It may answer "seen"
for a value never seen, never the reverse, so the lookups it saves are exactly those that could
find nothing.  Trigram sets are built from cached per-word sets, and kept for the records that
come back as candidates chunk after chunk (the earliest copies of popular texts).  Every
candidate list is capped, so memory stays bounded by the chunk size whatever the export's
size: per band value the ``PER_BAND`` records with the lowest ids, per reference text the
``NEAR_DUPLICATE_CANDIDATES`` earliest, and per record the ``NEAR_DUPLICATE_CANDIDATES`` best
(most shared bands, then earliest), as the review check ranks them.

Bands come from the table: ``prepare`` (run before the export's read-only snapshot) indexes
the selected records that lack them, e.g. rows imported with ``--skip-indexing``.
"""

import hashlib
import itertools
from collections import defaultdict

import numpy as np
from django.db import connection
from django.db.models import F, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber
from psycopg2 import sql

from annotations import quality
from annotations.models import Demonstration, InstructionBand
from annotations.text import trigram_similarity, trigrams

PER_BAND = 20
CHUNK_FETCH = 2000
FIRST_ROUND = 4
RECENT_TRIGRAM_SETS = 2000


class SeenValues:
    """A Bloom filter of signed 64-bit values (band values are already uniform hashes): two bits
    per value in ``2**bits`` bits.  ``maybe_seen`` is never false for a value added; at a million
    records (16 million values, 2**26 bits) it is true for about 15 % of the values never added."""

    def __init__(self, bits=26):
        self._mask = np.uint64((1 << bits) - 1)
        self._bits = np.zeros(1 << (bits - 3), dtype=np.uint8)

    def _positions(self, values):
        keys = np.asarray(values, dtype=np.int64).view(np.uint64)
        return keys & self._mask, (keys >> np.uint64(32)) & self._mask

    def add(self, values):
        if len(values):
            for position in self._positions(values):
                np.bitwise_or.at(
                    self._bits, position >> np.uint64(3), np.left_shift(1, position & np.uint64(7)).astype(np.uint8)
                )

    def maybe_seen(self, values):
        """A boolean array: for each value, whether it may have been added."""
        if not len(values):
            return np.zeros(0, dtype=bool)
        seen = np.ones(len(values), dtype=bool)
        for position in self._positions(values):
            seen &= (self._bits[position >> np.uint64(3)] >> (position & np.uint64(7)).astype(np.uint8)) & 1 == 1
        return seen


def context_key(context_hash):
    """A reference text's hash as a signed 64-bit value, for ``SeenValues``."""
    return int.from_bytes(hashlib.blake2b(context_hash.encode(), digest_size=8).digest(), "big", signed=True)


class NearDuplicates:
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
        self._seen = SeenValues()

    def selection(self, prefix, pk_ref):
        """The export's filters, built once (the contest filter reads the contest)."""
        if (prefix, pk_ref) not in self._filters:
            self._filters[prefix, pk_ref] = self._selection(prefix, pk_ref)
        return self._filters[prefix, pk_ref]

    def find(self, rows):
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
        chunk_values = []
        if by_band:
            candidates.update(self._band_candidates(by_band, keys, last_created, chunk_values))
        else:
            chunk_values = self._own_bands(list(keys))[1]
        if by_context:
            candidates.update(self._context_candidates(by_context, keys, last_created))
        duplicates = self._confirm(candidates, {pk: text for pk, _created, _hash, text in rows})
        self._seen.add(chunk_values)
        self._seen.add([context_key(context_hash) for context_hash in by_context])
        return duplicates

    @staticmethod
    def _own_bands(chunk_ids):
        """``{value: [ids]}`` and every value, of the chunk's records."""
        query = (
            InstructionBand.objects.filter(demonstration_id__in=chunk_ids)
            .order_by()
            .values_list("demonstration_id", "value")
        )
        statement, params = query.query.sql_with_params()
        with connection.cursor() as cursor:  # plain rows: no per-row conversion is needed for two integers
            cursor.execute(statement, params)
            rows = cursor.fetchall()
        own = defaultdict(list)
        for pk, value in rows:
            own[value].append(pk)
        return own, [value for _pk, value in rows]

    def _band_candidates(self, by_band, keys, last_created, chunk_values):
        """Earlier records sharing a band with each record of ``by_band``, best first.  Fills
        ``chunk_values`` with every band value of the chunk."""
        chunk_ids = list(keys)
        own, values = self._own_bands(chunk_ids)
        chunk_values.extend(values)
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
        values = [value for value, members in own.items() if any(d in wanted for d in members)]
        values = sorted(itertools.compress(values, self._seen.maybe_seen(values).tolist()))
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
            .values("created_at")
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
                CROSS JOIN LATERAL ({selected}) AS earlier
                WHERE band.value = wanted.value AND NOT (band.demonstration_id = ANY(%s::bigint[]))
                ORDER BY band.demonstration_id
                LIMIT {limit}
            ) AS found"""
        ).format(
            bands=sql.Identifier(InstructionBand._meta.db_table),
            selected=sql.SQL(selected_sql),
            limit=sql.Literal(int(PER_BAND)),
        )
        connection.ensure_connection()
        statement = query.as_string(connection.connection)
        with connection.cursor() as cursor:
            cursor.execute(statement, [values, *selected_params, chunk_ids])
            return cursor.fetchall()

    def _context_candidates(self, by_context, keys, last_created):
        """Earlier records with the same reference text as each record of ``by_context``, earliest first."""
        candidates = defaultdict(list)
        for members in by_context.values():
            for d in members:
                candidates[d] = [e for e in members if keys[e] < keys[d]]
        hashes = list(by_context)
        hashes = list(itertools.compress(hashes, self._seen.maybe_seen([context_key(h) for h in hashes]).tolist()))
        earlier = (
            ()
            if not hashes
            else (
                Demonstration.objects.filter(*self.selection("", "pk"))
                .filter(context_hash__in=hashes, created_at__lte=last_created)
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
        always settled by its first.  Then the rest, for the records still undecided, the
        candidates' instructions ``CHUNK_FETCH`` at a time.
        """
        duplicates = set()
        first = {d: others[:FIRST_ROUND] for d, others in candidates.items() if others}
        known = self._known(sorted({e for others in first.values() for e in others}), texts)
        for d, others in first.items():
            mine = self._trigrams(d, texts[d])
            for e in others:
                if self._similar(mine, self._grams(e, known[e])):
                    duplicates.add(d)
                    break
        by_other = defaultdict(list)
        for d, others in candidates.items():
            if d not in duplicates:
                for e in others[FIRST_ROUND:]:
                    by_other[e].append(d)
        others = sorted(by_other)
        mine = {}
        for start in range(0, len(others), CHUNK_FETCH):
            known = self._known(others[start : start + CHUNK_FETCH], texts)
            for e, text in known.items():
                theirs = self._grams(e, text)
                for d in by_other[e]:
                    if d not in duplicates:
                        if d not in mine:
                            mine[d] = self._trigrams(d, texts[d])
                        if self._similar(mine[d], theirs):
                            duplicates.add(d)
        return duplicates

    def _known(self, ids, texts):
        """``{id: instruction, or its remembered trigram set}`` of ``ids``: the chunk's and the remembered
        ones first, the rest read.  Sets are built when compared, so a batch holds texts, not sets."""
        known, missing = {}, []
        for pk in ids:
            if pk in texts:
                known[pk] = texts[pk]
            elif pk in self._recent:
                known[pk] = self._trigrams(pk, None)
            else:
                missing.append(pk)
        known.update(self._texts(missing))
        return known

    def _grams(self, pk, known):
        return known if isinstance(known, set) else self._trigrams(pk, known)

    def _texts(self, ids):
        """``(id, instruction)`` of ``ids``, ``CHUNK_FETCH`` per query."""
        for start in range(0, len(ids), CHUNK_FETCH):
            yield from (
                Demonstration.objects.filter(pk__in=ids[start : start + CHUNK_FETCH])
                .order_by()
                .values_list("id", "instruction")
            )

    def _similar(self, mine, theirs):
        return trigram_similarity(mine, theirs) >= self.threshold

    def _trigrams(self, pk, text):
        """Trigram sets of the records compared last (the earliest copy of a popular text recurs)."""
        grams = self._recent.pop(pk, None)
        if grams is None:
            grams = trigrams(text)
            if len(self._recent) >= RECENT_TRIGRAM_SETS:
                del self._recent[next(iter(self._recent))]
        self._recent[pk] = grams
        return grams
