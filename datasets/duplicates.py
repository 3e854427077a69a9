"""Near duplicates within one export, found as the export streams, from what it has already read.

A record is a near duplicate when its instruction is near-identical to that of an EARLIER record
of the same export (order ``created_at, id``), with the rule of ``annotations.quality``:

- a record with a reference text is compared with the records that have the same reference
  text (equal ``context_hash``): generic instructions such as "Summarise this passage" are only
  duplicates on the same passage;
- a record without one is compared with the records sharing one of its MinHash/LSH bands
  (``InstructionBand`` rows);
- near-identical means trigram similarity of the instructions at or above the threshold
  (``DOLLY_NEAR_DUPLICATE_THRESHOLD``, recorded with the export's filters).

"Earlier record" means any earlier record the export selects, kept or not, so the answer for
a record depends only on the data, never on what else was left out: the same data gives the
same bytes.  ``find`` is called with the chunks in export order, from the first.  Every
candidate list is capped, as the search has always capped them:

- per band value, the ``PER_BAND`` rows with the lowest ids among the selected records outside
  the chunk created by the chunk's last creation time (the earlier chunks', and any later record
  created at that same instant), and apart from those the ``PER_BAND`` lowest of the chunk's own;
- per reference text, the ``NEAR_DUPLICATE_CANDIDATES`` earliest earlier records;
- per record, the ``NEAR_DUPLICATE_CANDIDATES`` best (most shared bands, then earliest), as the
  review check ranks them; a record is a near duplicate when any of them is near-identical.

The earlier records are the ones the export has already streamed, so they are remembered, not
looked up (``near_index``): per shared band value the lowest ids streamed, per shared reference
text the earliest records, and the trigram masks of those records (in memory within a budget,
the rest in a temporary file).  One query per chunk reads the chunk's bands; a second, only when
a later record was created at the chunk's last instant, reads those records' bands.  The
instructions of the candidates whose masks are gone (after the trigram ids start afresh) are
read in bulk.

Bands come from the table: ``prepare`` (run before the export's read-only snapshot) indexes
the selected records that lack them, e.g. rows imported with ``--skip-indexing``.
"""

import numpy as np
from django.db.models import F, Window
from django.db.models.functions import RowNumber

from annotations import quality
from annotations.models import Demonstration, InstructionBand

from . import near_index

PER_BAND = 20
CHUNK_FETCH = 2000
PAIR_BATCH = 256  # records of a chunk whose candidate pairs are gathered and ranked at once
TRIGRAM_MASK_BYTES = 12 << 20
TRIGRAMS = 1 << 16  # distinct trigrams (bits of a mask) before the masks start afresh
_UNKNOWN = object()


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
        self._ids = np.zeros(4096, dtype=np.int64)
        self._count = 0
        self._bands = None
        self._contexts = None
        self._masks = near_index.TrigramMasks(TRIGRAM_MASK_BYTES, TRIGRAMS)

    def selection(self, prefix, pk_ref):
        """The export's filters, built once (the contest filter reads the contest)."""
        if (prefix, pk_ref) not in self._filters:
            self._filters[prefix, pk_ref] = self._selection(prefix, pk_ref)
        return self._filters[prefix, pk_ref]

    def _id_of(self, ordinals):
        return self._ids[ordinals]

    def find(self, rows, following=_UNKNOWN):
        """``following``: the creation time of the record the export reads after the chunk (``None``
        after the last), when the caller knows it; otherwise a query tells whether one was created
        at the chunk's last instant."""
        if not rows:
            return set()
        if self._bands is None:
            self._bands = near_index.SharedBands.read(PER_BAND)
            self._contexts = near_index.shared_contexts()
        self._masks.start_chunk()
        base = self._count
        chunk_ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        if base + len(rows) > len(self._ids):
            # Grown in place (``realloc``): a copy would hold the old and the new array at once.  No
            # view of ``_ids`` outlives a call, so no reference can see the old buffer.
            self._ids.resize(len(self._ids) + max(len(self._ids), len(rows)), refcheck=False)
        self._ids[base : base + len(rows)] = chunk_ids
        self._count += len(rows)
        wanted = np.fromiter((not row[2] for row in rows), dtype=bool, count=len(rows))
        candidates, potential = self._band_candidates(rows, chunk_ids, wanted, base, following)
        for local, row in enumerate(rows):
            context_hash = row[2]
            if context_hash:
                earlier = self._contexts.get(context_hash)
                if earlier is not None:
                    if earlier:
                        candidates[local] = np.array(earlier[: self.per_record], dtype=np.int64)
                    if len(earlier) < self.per_record:
                        earlier.append(base + local)
                        potential[local] = True
        return self._confirm(candidates, rows, base, potential)

    def _band_candidates(self, rows, chunk_ids, wanted, base, following):
        """``{local: ordinals}`` (an array, best first) for the rows without a reference text, and which
        rows are kept for one of their band values (only those can be a later record's candidate).

        The pairs are gathered ``PAIR_BATCH`` records at a time: a chunk of records whose band values
        each hold ``PER_BAND`` earlier rows makes hundreds of pairs a record, and only the best
        ``per_record`` of each are kept."""
        bands = self._bands
        owners, values = near_index.chunk_bands(chunk_ids)
        order = np.argsort(chunk_ids, kind="stable")
        local = order[np.searchsorted(chunk_ids[order], owners)]
        index, shared = bands.locate(values)
        local, index = local[shared], index[shared]
        ids = chunk_ids[local]
        # The chunk's own rows, per value, ordered by id: each member after the first pairs with the
        # PER_BAND lowest before it.
        order = np.lexsort((ids, index))
        s_local, s_index = local[order], index[order]
        starts = np.flatnonzero(np.r_[True, s_index[1:] != s_index[:-1]]) if len(order) else np.zeros(0, np.int64)
        sizes = np.diff(np.r_[starts, len(order)])
        group = np.repeat(np.arange(len(starts)), sizes)
        pairing = (sizes[group] > 1) & wanted[s_local]
        # The earlier chunks' rows, for the rows that ask, record by record.
        asking = np.flatnonzero(wanted[local])
        asking = asking[np.argsort(local[asking], kind="stable")]
        cuts = np.searchsorted(local[asking], np.arange(0, len(rows) + PAIR_BATCH, PAIR_BATCH))
        tied = None
        found_d, found_e = [], []
        for batch in range(len(cuts) - 1):
            low, high = batch * PAIR_BATCH, (batch + 1) * PAIR_BATCH
            member = np.flatnonzero(pairing & (s_local >= low) & (s_local < high))
            reps = np.minimum(sizes, PER_BAND)[group[member]]
            d_rows = np.repeat(member, reps)
            e_rows = np.repeat(starts[group[member]], reps) + (
                np.arange(len(d_rows)) - np.repeat(np.cumsum(reps) - reps, reps)
            )
            inside_d, inside_e = s_local[d_rows], s_local[e_rows]
            before = inside_e < inside_d
            inside_d, inside_e = inside_d[before], inside_e[before] + base
            here = asking[cuts[batch] : cuts[batch + 1]]
            owner, earlier = bands.rows(index[here])
            outside_d = local[here][owner]
            if len(earlier):
                if tied is None:
                    tied = self._later_ties(rows, following)
                if tied:
                    keep = self._without_later_ties(tied, index[here], owner, earlier)
                    outside_d, earlier = outside_d[keep], earlier[keep]
            if len(inside_d) or len(outside_d):
                d, e = self._best_first(np.concatenate([inside_d, outside_d]), np.concatenate([inside_e, earlier]))
                found_d.append(d)
                found_e.append(e)
        bands.add(index, local + base, ids, self._id_of)
        potential = self._still_kept(index, base, len(rows))
        if not found_d:
            return {}, potential
        d, e = np.concatenate(found_d), np.concatenate(found_e)
        starts = np.flatnonzero(np.r_[True, d[1:] != d[:-1]])
        ends = np.r_[starts[1:], len(d)]
        candidates = {
            local_d: e[start:end]
            for local_d, start, end in zip(d[starts].tolist(), starts.tolist(), ends.tolist(), strict=True)
        }
        return candidates, potential

    def _still_kept(self, index, base, count):
        """Which rows of the chunk (ordinals from ``base``, ``count`` of them) are kept for one of the band
        values ``index`` now: only those can be a later record's candidate, so only their masks are
        worth remembering."""
        kept = np.zeros(count, dtype=bool)
        values = np.unique(index)
        for start in range(0, len(values), PAIR_BATCH * 16):
            _owner, ordinals = self._bands.rows(values[start : start + PAIR_BATCH * 16])
            kept[ordinals[ordinals >= base] - base] = True
        return kept

    def _best_first(self, pair_d, pair_e):
        """The pairs ``(record, candidate)`` sorted by record, then most shared bands and earliest
        first, the best ``per_record`` of each record (one pair per shared band comes in)."""
        codes = np.sort((pair_d << 32) | pair_e)
        starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
        counts = np.diff(np.r_[starts, len(codes)])
        codes = codes[starts]
        d, e = codes >> 32, codes & 0xFFFFFFFF
        if counts.max() < 1024 and d.max() < (1 << 21):  # one sort of (record, fewer shared bands, ordinal)
            ranked = np.sort((d << 42) | ((1023 - counts) << 32) | e)
            d, e = ranked >> 42, ranked & 0xFFFFFFFF
        else:
            order = np.lexsort((e, -counts, d))
            d, e = d[order], e[order]
        starts = np.flatnonzero(np.r_[True, d[1:] != d[:-1]])
        sizes = np.diff(np.r_[starts, len(d)])
        keep = np.arange(len(d)) - np.repeat(starts, sizes) < self.per_record
        return d[keep], e[keep]

    def _later_ties(self, rows, following):
        """``{value: [ids]}``: the ``PER_BAND`` lowest ids per band value of the chunk among the selected
        records of later chunks created at the chunk's last instant (empty when there is none)."""
        last_created, last_pk = rows[-1][1], rows[-1][0]
        if following is _UNKNOWN:
            later = Demonstration.objects.filter(*self.selection("", "pk"))
            if not later.filter(created_at=last_created, pk__gt=last_pk).exists():
                return {}
        elif following != last_created:
            return {}
        by_band = [row[0] for row in rows if not row[2]]
        tied = (
            InstructionBand.objects.filter(
                value__in=InstructionBand.objects.filter(demonstration_id__in=by_band).values("value")
            )
            .filter(*self.selection("demonstration__", "demonstration_id"))
            .filter(demonstration__created_at=last_created, demonstration_id__gt=last_pk)
            .annotate(rank=Window(RowNumber(), partition_by=[F("value")], order_by=[F("demonstration_id").asc()]))
            .filter(rank__lte=PER_BAND)
            .values_list("value", "demonstration_id")
        )
        tied_ids = {}
        for value, pk in tied:
            tied_ids.setdefault(value, []).append(pk)
        return tied_ids

    def _without_later_ties(self, tied_ids, index, owner, earlier):
        """Which remembered rows stay among the ``PER_BAND`` lowest ids once the selected records of
        later chunks created at the chunk's last instant (``tied_ids``) are counted too (they rank by
        id, and are never earlier than a record of the chunk)."""
        keep = np.ones(len(earlier), dtype=bool)
        values = self._bands.values[index]
        earlier_ids = self._id_of(earlier)
        sizes = np.bincount(owner, minlength=len(index))
        starts = np.cumsum(sizes) - sizes
        for position in np.flatnonzero(np.isin(values, np.fromiter(tied_ids, dtype=np.int64)) & (sizes > 0)).tolist():
            start = int(starts[position])
            here = np.arange(start, start + int(sizes[position]))
            here = here[np.argsort(earlier_ids[here], kind="stable")]
            merged = sorted(
                [(pk, 1) for pk in tied_ids[int(values[position])]] + [(pk, 0) for pk in earlier_ids[here].tolist()]
            )
            allowed = sum(1 for _pk, later_row in merged[:PER_BAND] if not later_row)
            keep[here[allowed:]] = False
        return keep

    def _confirm(self, candidates, rows, base, potential):
        """The records whose instruction is near-identical to one of their candidates'.

        Each record's candidates are compared best first, and the first near-identical one settles
        it.  The masks of earlier records no longer remembered are read in bulk: first the one each
        undecided record is waiting for, then all the rest of theirs.  The masks of the chunk's
        records that may be a later record's candidate are kept.
        """
        masks = self._masks
        own = [masks.mask(row[3]) for row in rows]
        remembered = masks.get
        read = {}
        threshold = self.threshold
        duplicates = set()
        waiting = candidates.items()
        attempt = 0
        while waiting:
            missing, still = set(), []
            for d, others in waiting:
                if not attempt:
                    others = others.tolist()
                mask, size = own[d]
                for position, e in enumerate(others):
                    if e >= base:
                        theirs, their_size = own[e - base]
                    else:
                        found = read.get(e)
                        if found is None:
                            theirs = remembered(e)
                            if theirs is None:
                                still.append((d, others[position:]))
                                missing.update(others[position:] if attempt else (e,))
                                break
                            read[e] = found = theirs, theirs.bit_count()
                        theirs, their_size = found
                    if size and their_size:
                        shared = (mask & theirs).bit_count()
                        similarity = shared / (size + their_size - shared)
                    else:
                        similarity = 0.0
                    if similarity >= threshold:
                        duplicates.add(rows[d][0])
                        break
            self._read_masks(missing, base, read)
            waiting = still
            attempt += 1
        for local in np.flatnonzero(potential).tolist():
            masks.keep(base + local, own[local][0])
        return duplicates

    def _read_masks(self, missing, base, read):
        """Put the masks of the earlier records ``missing`` into ``read``: those still remembered are held
        for this chunk too (reading the others may push them out of the budget before they are
        compared), the others are read from the database in bulk and remembered."""
        masks = self._masks
        unread = []
        for e in missing:
            if e < base and e not in read:
                found = masks.get(e)
                if found is None:
                    unread.append(e)
                else:
                    read[e] = found, found.bit_count()
        by_id = dict(zip(self._ids[unread].tolist(), unread, strict=True))
        for pk, instruction in near_index.texts(sorted(by_id), CHUNK_FETCH):
            read[by_id[pk]] = found = masks.mask(instruction)
            masks.keep(by_id[pk], found[0])
        for e in unread:  # a record deleted meanwhile (SQLite reads without a snapshot) shares nothing
            read.setdefault(e, (0, 0))
