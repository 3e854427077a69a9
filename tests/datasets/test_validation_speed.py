"""The importer checks every character of every line; the fast screen must agree with the Unicode categories."""

import unicodedata

from annotations.validation import _bad_character


def slow_reference(char):
    return char not in "\n\r\t" and unicodedata.category(char) in ("Cc", "Cs")


def test_fast_screen_agrees_with_unicode_categories():
    for code in list(range(0, 0x3000)) + list(range(0xD700, 0xE100)) + [0xFEFF, 0xFFFD, 0x1F600, 0x10FFFF]:
        char = chr(code)
        assert (_bad_character(f"ok{char}ok") is not None) == slow_reference(char), hex(code)


def test_position_is_reported():
    assert _bad_character("abc\x00") == "control character U+0000 at position 4"
    assert _bad_character("a\ud800") == "invalid surrogate U+D800 at position 2"
    assert _bad_character("tabs\tand\r\nnewlines") is None
