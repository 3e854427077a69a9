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

# A word: a run of letters and digits (``\w`` without the underscore).  Found directly, not by
# replacing what lies between words with spaces and splitting that again (the same words).
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def normalise(text):
    """Case-, accent-width- and punctuation-insensitive form of ``text``: words joined by single spaces."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return " ".join(_WORD.findall(folded))


def text_hash(*parts):
    """A stable hex digest of the normalised ``parts``; empty when every part normalises to nothing."""
    return normalised_hash(*(normalise(part) for part in parts))


def normalised_hash(*normalised):
    """``text_hash`` of parts already passed through ``normalise``."""
    if not any(normalised):
        return ""
    return hashlib.sha256("\x1f".join(normalised).encode("utf-8")).hexdigest()


def demonstration_hashes(instruction, context):
    """``(instruction_hash, context_hash)``: what a demonstration's hash columns hold for its text."""
    context = normalise(context)
    return normalised_hash(normalise(instruction), context), normalised_hash(context)


def trigrams(text):
    """The trigram set ``pg_trgm`` builds for ``text``.

    Lower-cased alphanumeric words, each padded with two spaces in front and one behind,
    so similarity computed here matches PostgreSQL's ``similarity()``.  Built as the union of
    each word's set, cached per word (words recur from text to text).
    """
    return set().union(*map(_word_trigrams, _words(text)))


@functools.lru_cache(maxsize=4096)
def _word_trigrams(word):
    padded = f"  {word} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


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
# of instructions sharing openings like "What is the".  Changing these numbers (or the hashing
# below) changes every stored band: recompute them (``manage.py refresh_instruction_bands``).
LSH_BANDS = 16
LSH_ROWS = 8
_PRIME = (1 << 31) - 1
_seeded = random.Random(0x0D011)
_A = numpy.array([_seeded.randrange(1, _PRIME) for _ in range(LSH_BANDS * LSH_ROWS)], dtype=numpy.int64)
_B = numpy.array([_seeded.randrange(0, _PRIME) for _ in range(LSH_BANDS * LSH_ROWS)], dtype=numpy.int64)
# One text's sixteen band inputs, "0:[h0, h1, ..., h7]" to "15:[...]", each ended by a newline.
_BAND_FORMAT = "".join(f"{band}:[{', '.join(['%d'] * LSH_ROWS)}]\n" for band in range(LSH_BANDS))
# Rows gathered at once when taking minimums, so memory stays bounded (128 int32 = 512 bytes a row).
_GATHER_ROWS = 16384


def trigram_words(text):
    """The distinct words whose trigrams make up ``trigrams(text)``."""
    return _words(text)


def _words(text):
    """The distinct words whose trigrams make up ``trigrams(text)``."""
    return set(_WORD.findall((text or "").lower()))


def _segment_minimums(table, index, counts):
    """Row ``i`` of the result is the element-wise minimum of ``table[index[j]]`` over segment ``i`` of
    ``index`` (``counts[i]`` entries, each at least one), gathered a bounded number of rows at a time."""
    counts = numpy.asarray(counts, dtype=numpy.int64)
    result = numpy.empty((len(counts), table.shape[1]), dtype=table.dtype)
    ends = numpy.cumsum(counts)
    first = 0
    while first < len(counts):
        start = ends[first] - counts[first]
        last = max(first + 1, int(numpy.searchsorted(ends, start + _GATHER_ROWS, side="right")))
        stop = ends[last - 1]
        offsets = ends[first:last] - counts[first:last] - start
        result[first:last] = numpy.minimum.reduceat(numpy.take(table, index[start:stop], axis=0), offsets, axis=0)
        first = last
    return result


def _signatures(word_sets):
    """The 128 min-hashes (int32) of each non-empty word set, one row each.

    Every distinct trigram of the batch is hashed once to its 128 values ``(a * x + b) mod p``
    (x its CRC-32 mod p, p = 2**31 - 1: the products stay below 2**62) in one vectorised
    operation; each distinct word's signature is the minimum over its trigrams' rows, and each
    text's the minimum over its words' rows (a text's trigram set is the union of its words').
    """
    word_ids, text_words, text_counts = {}, [], []
    for words in word_sets:
        text_words.extend([word_ids.setdefault(word, len(word_ids)) for word in words])
        text_counts.append(len(words))
    trigram_ids, word_trigrams, word_counts = {}, [], []
    for word in word_ids:
        padded = f"  {word} "
        count = len(padded) - 2
        word_trigrams.extend([trigram_ids.setdefault(padded[i : i + 3], len(trigram_ids)) for i in range(count)])
        word_counts.append(count)
    crcs = numpy.fromiter(
        (zlib.crc32(trigram.encode("utf-8")) for trigram in trigram_ids), dtype=numpy.int64, count=len(trigram_ids)
    )
    hashed = ((crcs[:, None] % _PRIME * _A + _B) % _PRIME).astype(numpy.int32)
    by_word = _segment_minimums(hashed, numpy.array(word_trigrams, dtype=numpy.intp), word_counts)
    return _segment_minimums(by_word, numpy.array(text_words, dtype=numpy.intp), text_counts)


def minhash_band_matrix(texts):
    """The LSH band values (signed 64-bit) of each of ``texts``: ``(bands, has_words)``.

    ``bands`` is an int64 array of one row of ``LSH_BANDS`` values a text; ``has_words`` tells
    which texts have any word (the rows of the others are zero: they have no bands).  Each
    min-hash is ``min((a * x + b) mod p)`` over the trigram set ``trigrams`` builds; each band is
    the BLAKE2b digest (8 bytes, big-endian, signed) of ``"{band}:[h1, h2, ..., h8]"``, its eight
    min-hashes written as a Python list.  The one MinHash of the project: the review check, the
    imports, ``refresh_instruction_bands`` and the export's deduplication all come here.
    """
    word_sets = [_words(text) for text in texts]
    has_words = numpy.array([bool(words) for words in word_sets], dtype=bool)
    bands = numpy.zeros((len(word_sets), LSH_BANDS), dtype=numpy.int64)
    filled = [words for words in word_sets if words]
    if filled:
        signatures = _signatures(filled)
        inputs = ((_BAND_FORMAT * len(filled)) % tuple(signatures.ravel().tolist())).encode()
        blake2b = hashlib.blake2b
        digests = b"".join([blake2b(line, digest_size=8).digest() for line in inputs.splitlines()])
        bands[has_words] = numpy.frombuffer(digests, dtype=">i8").reshape(len(filled), LSH_BANDS)
    return bands, has_words


def minhash_bands_many(texts):
    """``minhash_bands`` of each of ``texts`` (computed together: see ``minhash_band_matrix``)."""
    bands, has_words = minhash_band_matrix(texts)
    return [row if present else [] for row, present in zip(bands.tolist(), has_words.tolist(), strict=True)]


def minhash_bands(text):
    """The LSH band values of ``text``'s trigram set (``minhash_band_matrix``); empty for text without words."""
    return minhash_bands_many([text])[0]
