"""A deterministic train/test split, stratified by category.

Each record gets a rank: a keyed hash of its content and the seed.  The test split holds
``round(total * fraction)`` records, shared between the categories in proportion to their
size (largest remainders; ties by category key), and in every category the records with
the smallest ranks are the ones that go to test.  So the same
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


def allocate(sizes, fraction):
    """Test records per category: floor or ceiling of each category's share, summing to the rounded total."""
    quotas = {key: n * fraction for key, n in sizes.items()}
    shares = {key: math.floor(quota) for key, quota in quotas.items()}
    left = share_of(sum(sizes.values()), fraction) - sum(shares.values())
    for key in sorted(quotas, key=lambda k: (-(quotas[k] - shares[k]), k))[: max(left, 0)]:
        shares[key] += 1
    return shares


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
        shares = allocate({category: len(ranks) for category, ranks in self._ranks.items()}, self.fraction)
        for category, ranks in self._ranks.items():
            ids = np.frombuffer(self._ids[category], dtype=np.int64)
            order = np.lexsort((ids, np.frombuffer(ranks, dtype=np.uint64)))
            chosen.update(ids[order[: shares[category]]].tolist())
        return chosen
