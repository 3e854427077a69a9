"""Text normalisation shared by the stored hashes and the quality checks.

Kept free of model imports so ``models`` can use it to keep its hash columns in step
with the text.
"""

import functools
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


@functools.lru_cache(maxsize=8192)
def _word_signature(word):
    """The 128 min-hashes of one word's trigrams, as int32 (every value is below 2**31).

    A text's trigram set is the union of its words' sets, and the minimum over a union is the
    minimum of the minimums, so a text's signature is the element-wise minimum of its words'
    signatures.  Words repeat from text to text, so most are found here already: indexing a
    million imported instructions costs about a third of hashing every trigram every time.
    """
    padded = f"  {word} "
    count = len(padded) - 2
    xs = numpy.fromiter(
        (zlib.crc32(padded[i : i + 3].encode("utf-8")) % _PRIME for i in range(count)), dtype=numpy.int64, count=count
    )
    signature = ((_A * xs + _B) % _PRIME).min(axis=1).astype(numpy.int32)
    signature.flags.writeable = False
    return signature


def minhash_bands(text):
    """The LSH band values (signed 64-bit) of ``text``'s trigram set; empty for text without words.

    Each min-hash is ``min((a * x + b) mod p)`` over the CRC-32 of the trigrams (the set
    ``trigrams`` builds), p = 2**31 - 1, so every product stays below 2**62 in 64-bit integers.
    Each band is the BLAKE2b digest of ``f"{band}:{rows}"``, ``rows`` its eight min-hashes as a
    Python list.  ``minhash_bands_many`` gives the same values for a batch of texts.
    """
    words = set(_NON_WORD.sub(" ", (text or "").lower()).split())
    if not words:
        return []
    signature = numpy.minimum.reduce([_word_signature(word) for word in words]).tolist()
    digits = [str(value) for value in signature]
    bands = []
    for band in range(LSH_BANDS):
        rows = ", ".join(digits[band * LSH_ROWS : (band + 1) * LSH_ROWS])
        digest = hashlib.blake2b(f"{band}:[{rows}]".encode(), digest_size=8).digest()
        bands.append(int.from_bytes(digest, "big", signed=True))
    return bands


def minhash_bands_many(texts):
    """``minhash_bands`` of each of ``texts``.

    Text by text, over the per-word signatures cached above: computing a whole batch at once
    with NumPy (every new word's trigrams hashed together, min-reduced per word and per text
    with ``minimum.reduceat``) gave the same values but took about a fifth more CPU time on
    15,000 dolly-like records, so it is not used.
    """
    return [minhash_bands(text) for text in texts]
