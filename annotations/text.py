"""Text normalisation shared by the stored hashes and the quality checks.

Kept free of model imports so ``models`` can use it to keep its hash columns in step
with the text.
"""

import hashlib
import random
import re
import unicodedata
import zlib

import numpy

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise(text):
    """Case-, accent-width- and punctuation-insensitive form of ``text``: words joined by single spaces."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return _NON_WORD.sub(" ", folded).strip()


def text_hash(*parts):
    """A stable hex digest of the normalised ``parts``; empty when every part normalises to nothing."""
    return normalised_hash(*(normalise(part) for part in parts))


def normalised_hash(*normalised):
    """``text_hash`` of parts already passed through ``normalise``."""
    if not any(normalised):
        return ""
    return hashlib.sha256("\x1f".join(normalised).encode("utf-8")).hexdigest()


def trigrams(text):
    """The trigram set ``pg_trgm`` builds for ``text``.

    Lower-cased alphanumeric words, each padded with two spaces in front and one behind,
    so similarity computed here matches PostgreSQL's ``similarity()``.
    """
    padded = [f"  {word} " for word in set(_NON_WORD.sub(" ", (text or "").lower()).split())]
    return {word[i : i + 3] for word in padded for i in range(len(word) - 2)}


def trigram_similarity(a, b):
    """Jaccard similarity of the trigram sets, as ``pg_trgm``'s ``similarity(a, b)``."""
    left, right = (a if isinstance(a, set) else trigrams(a)), (b if isinstance(b, set) else trigrams(b))
    if not left or not right:
        return 0.0
    shared = len(left & right)
    return shared / (len(left) + len(right) - shared)


# --- MinHash / LSH over the trigram sets ---------------------------------------------------------
# 128 min-hashes cut into 16 bands of 8: two instructions whose trigram similarity is s share
# at least one band with probability 1 - (1 - s**8)**16: 95 % at s = 0.8, 99.99 % at s = 0.9,
# 6 % at s = 0.5 and 1 % at s = 0.4 (such candidates are then dropped by the exact similarity).
# Eight bands of four, tried first, made thousands of candidates per lookup at a million rows
# of instructions sharing openings like "What is the".  Changing these numbers changes every
# stored band: recompute them (``manage.py refresh_instruction_bands``).
LSH_BANDS = 16
LSH_ROWS = 8
_PRIME = (1 << 31) - 1
_seeded = random.Random(0x0D011)
_A = numpy.array([_seeded.randrange(1, _PRIME) for _ in range(LSH_BANDS * LSH_ROWS)], dtype=numpy.int64)[:, None]
_B = numpy.array([_seeded.randrange(0, _PRIME) for _ in range(LSH_BANDS * LSH_ROWS)], dtype=numpy.int64)[:, None]


_SIGNATURE_CACHE_SIZE = 50_000
_TRIGRAMS_PER_PASS = 8192
_RECORDS_PER_PASS = 1000
_SIGNATURE = LSH_BANDS * LSH_ROWS
_A_ROW, _B_ROW = _A.T.copy(), _B.T.copy()
_signatures = {}


def _hash_words(words):
    """The 128 min-hashes of each of ``words``' trigram sets, as rows of int32 (every value is below 2**31).

    All the trigrams of the words are hashed at once, ``_TRIGRAMS_PER_PASS`` at a time, and the
    minimum is taken per word with ``numpy.minimum.reduceat``.
    """
    crcs, starts = [], []
    for word in words:
        padded = f"  {word} "
        starts.append(len(crcs))
        crcs.extend(zlib.crc32(padded[i : i + 3].encode("utf-8")) % _PRIME for i in range(len(padded) - 2))
    xs = numpy.array(crcs, dtype=numpy.int64)[:, None]
    bounds = numpy.array([*starts, len(crcs)], dtype=numpy.int64)
    result = numpy.empty((len(words), _SIGNATURE), dtype=numpy.int32)
    first = 0
    while first < len(words):
        last = int(numpy.searchsorted(bounds, bounds[first] + _TRIGRAMS_PER_PASS, side="right")) - 1
        last = min(max(last, first + 1), len(words))
        hashed = (xs[bounds[first] : bounds[last]] * _A_ROW + _B_ROW) % _PRIME
        result[first:last] = numpy.minimum.reduceat(hashed, bounds[first:last] - bounds[first], axis=0)
        first = last
    return result


def _word_signatures(words):
    """Signatures of ``words`` (a list), one row each, computed for the words not seen recently.

    A text's trigram set is the union of its words' sets, and the minimum over a union is the
    minimum of the minimums, so a text's signature is the element-wise minimum of its words'
    signatures.  Words repeat from text to text, so most are found here already.
    """
    unseen = [word for word in words if word not in _signatures]
    if unseen:
        if len(_signatures) + len(unseen) > _SIGNATURE_CACHE_SIZE:
            _signatures.clear()
        _signatures.update(zip(unseen, _hash_words(unseen), strict=True))
    if not words:
        return numpy.empty((0, _SIGNATURE), dtype=numpy.int32)
    return numpy.stack([_signatures[word] for word in words])


def minhash_bands_many(texts):
    """``minhash_bands`` of each of ``texts``, computed for the whole batch at once.

    Each text's word signatures are min-reduced together (``numpy.minimum.reduceat``),
    ``_RECORDS_PER_PASS`` texts at a time so memory stays small.
    """
    word_sets = [set(_NON_WORD.sub(" ", (text or "").lower()).split()) for text in texts]
    vocabulary = {}
    for words in word_sets:
        for word in words:
            vocabulary.setdefault(word, len(vocabulary))
    signatures = _word_signatures(list(vocabulary))
    filled = [words for words in word_sets if words]
    digests = []
    for start in range(0, len(filled), _RECORDS_PER_PASS):
        group = filled[start : start + _RECORDS_PER_PASS]
        flat = numpy.fromiter((vocabulary[word] for words in group for word in words), dtype=numpy.intp)
        offsets = numpy.cumsum([0] + [len(words) for words in group[:-1]])
        reduced = numpy.minimum.reduceat(signatures[flat], offsets, axis=0)
        digests.extend(_band_digests(row) for row in reduced.reshape(len(group), LSH_BANDS, LSH_ROWS).tolist())
    found = iter(digests)
    return [next(found) if words else [] for words in word_sets]


def _band_digests(bands):
    """The signed 64-bit BLAKE2b digest of ``f"{band}:{rows}"`` for each band's list of rows."""
    return [
        int.from_bytes(hashlib.blake2b(f"{band}:{rows}".encode(), digest_size=8).digest(), "big", signed=True)
        for band, rows in enumerate(bands)
    ]


def minhash_bands(text):
    """The LSH band values (signed 64-bit) of ``text``'s trigram set; empty for text without words.

    Each min-hash is ``min((a * x + b) mod p)`` over the CRC-32 of the trigrams (the set
    ``trigrams`` builds), p = 2**31 - 1, so every product stays below 2**62 in 64-bit integers.
    Each band is the BLAKE2b digest of ``f"{band}:{rows}"``, ``rows`` its eight min-hashes as a
    Python list.  ``minhash_bands_many`` gives the same values for a batch of texts.
    """
    return minhash_bands_many([text])[0]
