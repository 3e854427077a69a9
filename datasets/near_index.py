"""What the near-duplicate search of an export keeps in memory about the records already streamed.

``SharedBands``: the band values that more than one row of the band table holds (read once, in
value order, from the ``(value, demonstration)`` index), and for each of them the ``cap`` streamed
rows with the lowest demonstration ids (a fixed slot per value, sized by its count in the table).
A value held by one row only can never make a candidate, so it takes no memory at all: the index
costs about 12 bytes per row of a shared value, whatever the size of the export.

``shared_contexts``: the reference texts (``context_hash``) more than one record has.

``TrigramMasks``: trigram sets as integer bit masks (one bit per distinct trigram of the export),
so the Jaccard similarity of two instructions is two ``int.bit_count`` calls; the masks of the
records that may be candidates later are kept within a byte budget, the oldest moved to a
temporary file (``SpilledMasks``), from which they are read back with one ``pread`` each.  The
earliest records are the ones most often a later record's candidate (each band value keeps its
lowest ids), so without the file they would be read again from the database over and over.
"""

import array
import itertools
import os
import sys
import tempfile

import numpy as np
from django.db import connection
from django.db.models import Count
from psycopg2 import sql

from annotations.models import Demonstration, InstructionBand
from annotations.text import trigram_words

_PARTITION_ROWS = 2_000_000  # band rows counted per query by ``_shared_band_values``
_KEPT_ENTRY_BYTES = 100  # a kept mask's dict entry and integer key, beside the mask itself
_SHARED_PAIR = np.dtype([("value", ">i8"), ("held", ">i4")])


_DENSE = sql.SQL("WHERE demonstration_id BETWEEN %s AND %s")
_LISTED = sql.SQL("WHERE demonstration_id = ANY(%s::bigint[])")


def _table():
    return sql.Identifier(InstructionBand._meta.db_table)


def _bytes(query, params):
    """The one ``bytea`` a PostgreSQL query returns (empty for NULL), as a buffer (not copied)."""
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute(query.as_string(connection.connection), params)
        found = cursor.fetchone()[0]
    return found if found is not None else b""


def chunk_bands(chunk_ids):
    """``(demonstration ids, values)`` of every band row of ``chunk_ids``, as int64 arrays, in one query."""
    if connection.vendor == "postgresql":
        # One bytea of big-endian pairs: no per-row conversion on either side.  Ids close together
        # (the usual case: ids follow creation) are read as one range of the index, then filtered.
        low, high = int(chunk_ids.min()), int(chunk_ids.max())
        dense = high - low < 4 * len(chunk_ids)
        query = sql.SQL(
            "SELECT string_agg(int8send(demonstration_id::bigint) || int8send(value::bigint), ''::bytea) FROM {} {}"
        ).format(_table(), _DENSE if dense else _LISTED)
        found = _bytes(query, [low, high] if dense else [chunk_ids.tolist()])
        rows = np.frombuffer(found, dtype=">i8").astype(np.int64).reshape(-1, 2)
        if dense:
            rows = rows[np.isin(rows[:, 0], chunk_ids)]
        return rows[:, 0].copy(), rows[:, 1].copy()
    query = (
        InstructionBand.objects.filter(demonstration_id__in=chunk_ids.tolist())
        .order_by()
        .values_list("demonstration_id", "value")
    )
    statement, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        rows = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 2)
    return rows[:, 0].copy(), rows[:, 1].copy()


def _shared_band_values():
    """The values more than one band row holds, sorted, and how many rows hold each.

    The database counts them (a group over the ``(value, demonstration)`` index), so only the
    shared values ever reach the export: most values are held by one row.  On PostgreSQL the
    value range is read in parts of about ``_PARTITION_ROWS`` band rows, each part one ``bytea``
    of at most ``_PARTITION_ROWS / 2`` pairs, so the memory a part takes stays bounded whatever
    the size of the table."""
    values, counts = [], []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [InstructionBand._meta.db_table]
            )
            found = cursor.fetchone()
        parts = max(1, -(-max(found[0] if found else 0, 0) // _PARTITION_ROWS))
        bounds = [-(1 << 63) + ((1 << 64) * i) // parts for i in range(parts)] + [None]
        query = sql.SQL(
            "SELECT string_agg(int8send(value) || int4send(held), ''::bytea ORDER BY value) FROM "
            "(SELECT value, count(*)::integer AS held FROM {} WHERE value >= %s{} GROUP BY value HAVING count(*) > 1) s"
        )
        for low, high in itertools.pairwise(bounds):
            upper = sql.SQL("") if high is None else sql.SQL(" AND value < %s")
            block = np.frombuffer(
                _bytes(query.format(_table(), upper), [low] if high is None else [low, high]), dtype=_SHARED_PAIR
            )
            values.append(block["value"].astype(np.int64))
            counts.append(block["held"].astype(np.int32))
            del block
    else:
        table = connection.ops.quote_name(InstructionBand._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT value, COUNT(*) FROM {table} GROUP BY value HAVING COUNT(*) > 1 ORDER BY value"  # noqa: S608 - the model's table
            )
            while rows := cursor.fetchmany(100_000):
                block = np.array(rows, dtype=np.int64).reshape(-1, 2)
                values.append(block[:, 0].copy())
                counts.append(block[:, 1].astype(np.int32))
    if not values:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32)
    return np.concatenate(values), np.concatenate(counts)


class SharedBands:
    """For each shared band value, the streamed rows with the lowest ids (at most ``cap``), as ordinals
    (positions in the export's order), kept in id order; ``id_of(ordinals)`` gives their ids."""

    def __init__(self, values, counts, cap):
        self.values = values
        capacity = np.minimum(counts, cap)
        ends = np.cumsum(capacity)
        total = int(ends[-1]) if len(ends) else 0
        small = np.uint8 if cap < 256 else np.int32
        self.capacity = capacity.astype(small)
        self.start = (ends - capacity).astype(np.uint32 if total < (1 << 32) else np.int64)
        self.fill = np.zeros(len(values), dtype=small)
        self.slots = np.zeros(total, dtype=np.int32)

    @classmethod
    def read(cls, cap):
        return cls(*_shared_band_values(), cap)

    def locate(self, values):
        """For each value: its index among the shared values, and whether it is one."""
        if not len(self.values):
            return np.zeros(len(values), dtype=np.int64), np.zeros(len(values), dtype=bool)
        order = np.argsort(values)  # searched in order, each search starts where the last one ended
        index = np.empty(len(values), dtype=np.int64)
        index[order] = np.searchsorted(self.values, values[order])
        found = index < len(self.values)
        found[found] = self.values[index[found]] == values[found]
        return index, found

    def rows(self, index):
        """``(owner, ordinal)``: every row kept for each entry of ``index`` (``owner``: the entry's position)."""
        sizes = self.fill[index].astype(np.int64)
        owner = np.repeat(np.arange(len(index)), sizes)
        offsets = np.arange(len(owner)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        return owner, self.slots[self.start[index][owner].astype(np.int64) + offsets].astype(np.int64)

    def add(self, index, ordinals, ids, id_of):
        """Take rows ``(index, ordinal, id)`` in, keeping per value the ``cap`` with the lowest ids.

        Usually every new row of a value has a higher id than those kept: they are appended while
        there is room.  The other values are merged."""
        if not len(index):
            return
        order = np.lexsort((ordinals, ids, index))
        index, ordinals, ids = index[order], ordinals[order], ids[order]
        starts = np.flatnonzero(np.r_[True, index[1:] != index[:-1]])
        sizes = np.diff(np.r_[starts, len(index)])
        group = index[starts]
        fill = self.fill[group].astype(np.int64)
        capacity = self.capacity[group].astype(np.int64)
        start = self.start[group].astype(np.int64)
        last = np.full(len(group), -1, dtype=np.int64)
        some = fill > 0
        last[some] = id_of(self.slots[start[some] + fill[some] - 1])
        after = ids[starts] > last
        position = np.repeat(fill, sizes) + (np.arange(len(index)) - np.repeat(starts, sizes))
        room = np.repeat(after, sizes) & (position < np.repeat(capacity, sizes))
        self.slots[np.repeat(start, sizes)[room] + position[room]] = ordinals[room]
        self.fill[group[after]] = np.minimum(fill + sizes, capacity)[after]
        if not after.all():
            merged = ~np.repeat(after, sizes)
            self._merge(index[merged], ordinals[merged], ids[merged], id_of)

    def _merge(self, index, ordinals, ids, id_of):
        touched = np.unique(index)
        owner, kept = self.rows(touched)
        all_index = np.concatenate([touched[owner], index])
        all_ordinals = np.concatenate([kept, ordinals])
        all_ids = np.concatenate([id_of(kept), ids])
        order = np.lexsort((all_ordinals, all_ids, all_index))
        all_index, all_ordinals = all_index[order], all_ordinals[order]
        starts = np.flatnonzero(np.r_[True, all_index[1:] != all_index[:-1]])
        sizes = np.diff(np.r_[starts, len(all_index)])
        rank = np.arange(len(all_index)) - np.repeat(starts, sizes)
        keep = rank < self.capacity[all_index]
        self.slots[self.start[all_index[keep]].astype(np.int64) + rank[keep]] = all_ordinals[keep]
        group = all_index[starts]
        self.fill[group] = np.minimum(sizes, self.capacity[group])


def shared_contexts():
    """The reference texts (``context_hash``) more than one record has, as an empty ``{hash: []}``."""
    hashes = (
        Demonstration.objects.exclude(context_hash="")
        .values("context_hash")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("context_hash", flat=True)
    )
    return {context_hash: [] for context_hash in hashes.order_by()}


class SpilledMasks:
    """Masks pushed out of memory, in an unnamed temporary file (``tempfile``'s directory: ``TMPDIR``),
    read back one ``pread`` each: a few microseconds, against a query and a new mask for a record
    read again from the database.  Per record the file costs 12 bytes of memory (where its mask
    starts and how long it is), whatever the mask's size; the file is gone when the export ends."""

    def __init__(self):
        self._file = None
        self._start = array.array("q")  # 1 + the mask's offset in the file; 0: not there
        self._length = array.array("I")  # bytes of the mask
        self._end = 0

    def clear(self):
        """Forget every mask (they were built with trigram ids that are about to be reused)."""
        if self._file is not None:
            self._file.truncate(0)
        self._start = array.array("q", bytes(len(self._start) * self._start.itemsize))
        self._end = 0

    def write(self, items):
        """Store ``(ordinal, mask)`` pairs, except those already stored (a record's mask never changes
        until ``clear``)."""
        if not items:
            return
        grow = max(ordinal for ordinal, _mask in items) + 1 - len(self._start)
        if grow > 0:
            grow = max(grow, len(self._start), 4096)
            self._start.frombytes(bytes(grow * self._start.itemsize))  # new entries: not stored
            self._length.frombytes(bytes(grow * self._length.itemsize))
        starts, lengths = self._start, self._length
        offset = end = self._end
        blobs = []
        for ordinal, mask in items:
            if not starts[ordinal]:
                blob = mask.to_bytes((mask.bit_length() + 7) // 8, "little")
                starts[ordinal] = end + 1
                lengths[ordinal] = len(blob)
                end += len(blob)
                blobs.append(blob)
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="dolly-masks-", buffering=0)  # noqa: SIM115 - unnamed from the start, closed with this object
        # Written at the offsets recorded, not at the file's position (which ``clear`` does not move).
        data = memoryview(b"".join(blobs))
        while data:
            written = os.pwrite(self._file.fileno(), data, offset)
            data, offset = data[written:], offset + written
        self._end = end

    def read(self, ordinal):
        """The mask stored for ``ordinal``, or ``None``."""
        starts = self._start
        if ordinal >= len(starts) or not starts[ordinal]:
            return None
        return int.from_bytes(os.pread(self._file.fileno(), self._length[ordinal], starts[ordinal] - 1), "little")


class TrigramMasks:
    """Trigram sets as bit masks over the trigrams met so far; the masks of earlier records kept
    within ``budget`` bytes of memory, the oldest moved to a temporary file (``SpilledMasks``)."""

    def __init__(self, budget, trigrams=1 << 16):
        self._budget = budget
        self._trigrams = trigrams
        self._spilled = SpilledMasks()
        self.reset()

    def reset(self):
        """Forget every trigram, word and mask (masks built before and after are not comparable)."""
        self._ids = {}
        self._words = {}
        self._word_bytes = 0
        self._kept = {}
        self._size = 0
        self._spilled.clear()

    def start_chunk(self):
        """Past ``trigrams`` distinct trigrams (each a bit of every later mask), start afresh, between two
        chunks: the records remembered are read again when asked for."""
        if len(self._ids) > self._trigrams:
            self.reset()

    def _word(self, word):
        padded = f"  {word} "
        ids = self._ids
        mask = 0
        for i in range(len(padded) - 2):
            trigram = padded[i : i + 3]
            found = ids.get(trigram)
            if found is None:
                found = ids[trigram] = len(ids)
            mask |= 1 << found
        self._word_bytes += mask.bit_length() // 8 + 100
        if self._word_bytes > self._budget // 4:
            self._words.clear()
            self._word_bytes = 0
        self._words[word] = mask
        return mask

    def mask(self, text):
        """``(mask, size)`` of ``annotations.text.trigrams(text)``."""
        mask = 0
        words = self._words
        for word in trigram_words(text):
            found = words.get(word)
            mask |= self._word(word) if found is None else found
        return mask, mask.bit_count()

    def get(self, ordinal):
        """The mask kept for ``ordinal`` (in memory or in the file), or ``None``."""
        found = self._kept.get(ordinal)
        return self._spilled.read(ordinal) if found is None else found

    def keep(self, ordinal, mask):
        """Remember ``mask`` for ``ordinal``; past the budget, the older half moves to the file."""
        if ordinal in self._kept:
            return
        self._kept[ordinal] = mask
        self._size += _kept_size(mask)
        if self._size > self._budget:
            kept = list(self._kept.items())
            self._spilled.write(kept[: len(kept) // 2])
            self._kept = dict(kept[len(kept) // 2 :])
            self._size = sum(map(_kept_size, self._kept.values()))


def _kept_size(mask):
    """The bytes a kept mask takes: the integer itself and its dict entry."""
    return sys.getsizeof(mask) + _KEPT_ENTRY_BYTES


def texts(ids, per_query):
    """``(id, instruction)`` of ``ids``, ``per_query`` per query."""
    for start in range(0, len(ids), per_query):
        yield from (
            Demonstration.objects.filter(pk__in=ids[start : start + per_query])
            .order_by()
            .values_list("id", "instruction")
        )
