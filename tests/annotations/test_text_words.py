"""The words of a text, found directly, are those the substitution ``[\\W_]+`` -> space used to give."""

import random
import re
import unicodedata

from annotations.text import _words, normalise

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
# ASCII, spaces of several kinds, punctuation, accents (precomposed and combining), a ligature,
# letters whose case folding differs from lower(), digits of other scripts, CJK, an emoji.
ALPHABET = (
    "aZ9_ -.,;\t\n\r\u00a0\u2003\u200b\u2014\u201c\u201d\u00e9\u0301\ufb01\u00df\u0130\u2163\u0660\u4e2d\U0001f600"
)


def texts(count=3000, seed=7):
    rng = random.Random(seed)
    for _ in range(count):
        yield "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 40)))


def test_normalise_is_the_substitution_of_runs_of_non_word_characters():
    for text in texts():
        folded = unicodedata.normalize("NFKC", text).casefold()
        assert normalise(text) == _NON_WORD.sub(" ", folded).strip(), repr(text)


def test_the_minhash_words_are_those_between_runs_of_non_word_characters():
    for text in texts():
        assert _words(text) == set(_NON_WORD.sub(" ", text.lower()).split()), repr(text)
    assert _words("") == _words(None) == set()
