"""Exact duplicates within one export: a record repeats an earlier one when its three texts are the
same, ignoring case and spacing (``dedupe_key``: runs of whitespace as one space, none at either
end, case-folded, then a 64-bit BLAKE2b of the three).

Building that key costs more than writing the record, so most records never need it.  A cheap
*sketch* comes first: the ASCII digits, punctuation and symbols of each text, in order
(``bytes.translate`` of the UTF-8 text).  Case folding never makes or removes one of those
characters, and whitespace is none of them, so two records with the same key always have the
same sketch: a record whose sketch no earlier record had is first of its kind.  Only records
whose sketch was seen before get their key built, and so does the first record of that sketch
(read back from the database when it was in an earlier chunk).
"""

import hashlib

import numpy as np

# Every ASCII character that is neither whitespace nor a letter.  ``str.casefold`` maps each of
# them to itself, and no other character to a string holding one of them
# (tests/datasets/test_dedupe_same_records.py checks it over every code point).
SKETCH_CHARACTERS = bytes(b for b in range(128) if not chr(b).isspace() and not chr(b).isalpha())
_NOT_SKETCHED = bytes(b for b in range(256) if b not in SKETCH_CHARACTERS)


def dedupe_key(instruction, context, response):
    """The 64-bit key of the three texts, ignoring case and spacing (runs of whitespace as one space,
    none at either end: ``str.split`` splits on exactly the characters ``\\s`` matches)."""
    normalised = "\x1f".join(" ".join(value.split()).casefold() for value in (instruction, context, response))
    return int.from_bytes(hashlib.blake2b(normalised.encode("utf-8"), digest_size=8).digest(), "big")


def sketch(instruction, context, response):
    """A 64-bit hash of the three texts' sketches: equal for any two texts with the same ``dedupe_key``."""
    drop = _NOT_SKETCHED
    return (
        hash(
            (
                instruction.encode("utf-8").translate(None, drop),
                context.encode("utf-8").translate(None, drop),
                response.encode("utf-8").translate(None, drop),
            )
        )
        & 0xFFFFFFFFFFFFFFFF
    )


class KeyedRuns:
    """Unsigned 64-bit keys, each with the id of the record that brought it first, in about 16 bytes a key.

    The latest keys are in a dict; every ``run_size`` of them become one sorted pair of NumPy arrays
    (a run), and runs of similar sizes are merged, so a lookup searches a handful of arrays.  Runs
    stop merging at ``max_run`` keys: a merge needs memory for both runs again, so past that size
    a new run is cheaper than the memory to merge it (a lookup searches one more array a
    ``max_run`` keys).
    """

    def __init__(self, run_size=16384, max_run=1 << 18):
        self.run_size = run_size
        self.max_run = max_run
        self._runs = []
        self._latest = {}

    def __len__(self):
        return sum(len(keys) for keys, _ids in self._runs) + len(self._latest)

    def first_ids(self, keys):
        """For each key of ``keys`` (a list): the id stored with it, or -1."""
        found = np.full(len(keys), -1, dtype=np.int64)
        if self._runs and keys:
            wanted = np.array(keys, dtype=np.uint64)
            for run, ids in self._runs:
                positions = np.minimum(np.searchsorted(run, wanted), len(run) - 1)
                hit = run[positions] == wanted
                found[hit] = ids[positions[hit]]
        latest = self._latest
        if latest:
            for position, key in enumerate(keys):
                pk = latest.get(key)
                if pk is not None:
                    found[position] = pk
        return found

    def add(self, key, pk):
        self._latest[key] = pk
        if len(self._latest) >= self.run_size:
            keys = np.fromiter(self._latest, dtype=np.uint64, count=len(self._latest))
            ids = np.fromiter(self._latest.values(), dtype=np.int64, count=len(self._latest))
            order = np.argsort(keys)
            self._runs.append((keys[order], ids[order]))
            self._latest = {}
            runs = self._runs
            while (
                len(runs) > 1
                and len(runs[-2][0]) <= 2 * len(runs[-1][0])
                and len(runs[-2][0]) + len(runs[-1][0]) <= self.max_run
            ):
                runs[-2:] = [_merged(*runs[-2], *runs[-1])]


def _merged(older, older_ids, newer, newer_ids):
    """Two sorted runs as one (the older run's key first on a tie), without sorting them again."""
    at = np.searchsorted(older, newer, side="right") + np.arange(len(newer))
    keys = np.empty(len(older) + len(newer), dtype=np.uint64)
    ids = np.empty(len(keys), dtype=np.int64)
    from_older = np.ones(len(keys), dtype=bool)
    from_older[at] = False
    keys[at], ids[at] = newer, newer_ids
    keys[from_older], ids[from_older] = older, older_ids
    return keys, ids


class ExactDuplicates:
    """``first(records)`` -> for each record of a chunk, whether no earlier record of the export had
    its ``dedupe_key``.  ``read_texts(ids)`` yields ``(id, instruction, context, response)`` of
    earlier records, as the export sees them."""

    def __init__(self, read_texts, seen_keys):
        self._read_texts = read_texts
        self._sketches = KeyedRuns()
        self._keyed = set()  # the sketches whose records all have their key in ``_keys``
        self._keys = seen_keys

    def first(self, records):
        sketches = [sketch(record.instruction, record.context, record.response) for record in records]
        earlier = self._sketches.first_ids(sketches).tolist()
        keys, asked = [], []  # the keys to look up in order, and which record each one answers (or None)
        waiting = {pk for value, pk in zip(sketches, earlier, strict=True) if pk >= 0 and value not in self._keyed}
        if waiting:
            for _pk, *texts in self._read_texts(sorted(waiting)):
                self._keyed.add(sketch(*texts))
                keys.append(dedupe_key(*texts))
                asked.append(None)
        here = {}
        result = [True] * len(records)
        for position, (record, value, pk) in enumerate(zip(records, sketches, earlier, strict=True)):
            if pk < 0 and value not in here:
                here[value] = record
                self._sketches.add(value, record.pk)
                continue
            if value not in self._keyed:
                self._keyed.add(value)
                first = here.get(value)
                if first is not None:
                    keys.append(dedupe_key(first.instruction, first.context, first.response))
                    asked.append(None)
            keys.append(dedupe_key(record.instruction, record.context, record.response))
            asked.append(position)
        if keys:
            for position, new in zip(asked, self._keys.first_seen(keys), strict=True):
                if position is not None:
                    result[position] = new
        return result
