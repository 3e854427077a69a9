"""Text normalisation shared by the stored hashes and the quality checks.

Kept free of model imports so ``models`` can use it to keep its hash columns in step
with the text.
"""
import hashlib
import re
import unicodedata

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise(text):
    """Case-, accent-width- and punctuation-insensitive form of ``text``: words joined by single spaces."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return _NON_WORD.sub(" ", folded).strip()


def text_hash(*parts):
    """A stable hex digest of the normalised ``parts``; empty when every part normalises to nothing."""
    normalised = [normalise(part) for part in parts]
    if not any(normalised):
        return ""
    return hashlib.sha256("\x1f".join(normalised).encode("utf-8")).hexdigest()


def trigrams(text):
    """The trigram set ``pg_trgm`` builds for ``text``.

    Lower-cased alphanumeric words, each padded with two spaces in front and one behind,
    so similarity computed here matches PostgreSQL's ``similarity()``.
    """
    result = set()
    for word in _NON_WORD.sub(" ", (text or "").lower()).split():
        padded = f"  {word} "
        result.update(padded[i:i + 3] for i in range(len(padded) - 2))
    return result


def trigram_similarity(a, b):
    """Jaccard similarity of the trigram sets, as ``pg_trgm``'s ``similarity(a, b)``."""
    left, right = (a if isinstance(a, set) else trigrams(a)), (b if isinstance(b, set) else trigrams(b))
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)
