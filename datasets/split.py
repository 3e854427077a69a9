"""A deterministic train/test split, stratified by category.

Each record gets a rank: a keyed hash of its content and the seed.  In every category
the ``round(n * fraction)`` records with the smallest ranks go to test.  So the same
data and seed always give the same split, every category has its share, identical
records land on the same side, and a record keeps its side across releases unless the
category grows or shrinks enough to move the cut.
"""
import hashlib
import math
from array import array

import numpy as np


def split_rank(seed, digest_hex):
    key = seed.to_bytes(8, "big")
    return int.from_bytes(hashlib.blake2b(bytes.fromhex(digest_hex), key=key, digest_size=8).digest(), "big")


def share_of(total, fraction):
    return math.floor(total * fraction + 0.5)


class SplitPlanner:
    """Collects (rank, id) per category during a first pass; memory is 16 bytes per record."""

    def __init__(self, *, fraction, seed):
        self.fraction = fraction
        self.seed = seed
        self._ranks = {}
        self._ids = {}

    def add(self, category, pk, digest_hex):
        if category not in self._ranks:
            self._ranks[category] = array("Q")
            self._ids[category] = array("q")
        self._ranks[category].append(split_rank(self.seed, digest_hex))
        self._ids[category].append(pk)

    def test_ids(self):
        chosen = set()
        for category, ranks in self._ranks.items():
            ids = np.frombuffer(self._ids[category], dtype=np.int64)
            order = np.lexsort((ids, np.frombuffer(ranks, dtype=np.uint64)))
            chosen.update(ids[order[:share_of(len(ids), self.fraction)]].tolist())
        return chosen
