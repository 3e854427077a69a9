"""The batch MinHash (``minhash_bands_many``) stores exactly the bands the per-text code stored.

``reference_bands`` is the per-text computation the stored bands were made with, kept here
word for word: any difference would mean every stored band has to be recomputed.
"""

import hashlib
import random
import re
import zlib

import numpy

from annotations.text import LSH_BANDS, LSH_ROWS, minhash_bands, minhash_bands_many

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_PRIME = (1 << 31) - 1
_seeded = random.Random(0x0D011)
_A = numpy.array([_seeded.randrange(1, _PRIME) for _ in range(LSH_BANDS * LSH_ROWS)], dtype=numpy.int64)[:, None]
_B = numpy.array([_seeded.randrange(0, _PRIME) for _ in range(LSH_BANDS * LSH_ROWS)], dtype=numpy.int64)[:, None]


def _word_signature(word):
    padded = f"  {word} "
    count = len(padded) - 2
    xs = numpy.fromiter(
        (zlib.crc32(padded[i : i + 3].encode("utf-8")) % _PRIME for i in range(count)), dtype=numpy.int64, count=count
    )
    return ((_A * xs + _B) % _PRIME).min(axis=1).astype(numpy.int32)


def reference_bands(value):
    words = set(_NON_WORD.sub(" ", (value or "").lower()).split())
    if not words:
        return []
    signature = numpy.minimum.reduce([_word_signature(word) for word in words]).tolist()
    digits = [str(v) for v in signature]
    bands = []
    for band in range(LSH_BANDS):
        rows = ", ".join(digits[band * LSH_ROWS : (band + 1) * LSH_ROWS])
        digest = hashlib.blake2b(f"{band}:[{rows}]".encode(), digest_size=8).digest()
        bands.append(int.from_bytes(digest, "big", signed=True))
    return bands


ALPHABET = "abcdefghij klmnop ÉéçàüßİıǅﬁΩωЖж日本語テキスト 0123456789 ,.?!-_'\"\t\n—“”🙂"


def generated_texts(count, seed):
    rng = random.Random(seed)
    vocabulary = ["".join(rng.choices(ALPHABET, k=rng.randint(1, 12))) for _ in range(300)]
    texts = ["", " ", "?!", "___", None, "a", "x" * 2000, "İstanbul STRASSE straße ǅ ﬁ", "日本語"]
    for _ in range(count):
        texts.append(" ".join(rng.choices(vocabulary, k=rng.randint(0, 40))))
    return texts


def test_batch_bands_are_the_stored_ones_for_generated_unicode_and_empty_texts():
    texts = generated_texts(600, seed=7)
    expected = [reference_bands(value) for value in texts]
    assert minhash_bands_many(texts) == expected
    assert [minhash_bands(value) for value in texts[:60]] == expected[:60]
    assert expected[0] == [] and expected[2] == [] and all(len(bands) == LSH_BANDS for bands in expected[5:9])


def test_a_cold_cache_gives_the_same_bands():
    texts = generated_texts(300, seed=11)
    assert minhash_bands_many(texts) == [reference_bands(value) for value in texts]
    assert minhash_bands_many([]) == []
    assert minhash_bands_many(["", None]) == [[], []]


def test_minimums_taken_a_few_rows_at_a_time_give_the_same_bands(monkeypatch):
    from annotations import text

    texts = generated_texts(200, seed=5)
    expected = [reference_bands(value) for value in texts]
    for rows in (1, 7, 64):
        monkeypatch.setattr(text, "_GATHER_ROWS", rows)
        assert minhash_bands_many(texts) == expected
