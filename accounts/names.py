"""Names people are shown by: no invisible or direction-changing characters, no look-alikes.

A username or display name may not contain control characters, format characters (bidi
overrides and isolates, zero-width characters), private-use, surrogate or unassigned code points,
nor line or paragraph separators: each can hide or reorder what is shown beside it.

Two names are confusable when their *skeletons* are equal, in the sense of Unicode's UTS #39:
each character is replaced by the representative of its class of look-alikes, after
compatibility normalisation and case folding (``Alice``, ``аlice`` with a Cyrillic ``а``,
``a1ice`` and ``𝐚𝐥𝐢𝐜𝐞`` share one skeleton).  The classes come from Unicode's
``confusables.txt`` as shipped by the ``confusable_homoglyphs`` package.
"""

import unicodedata
from functools import cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Cc control, Cf format (bidi controls, zero-width), Co private use, Cs surrogate, Cn unassigned,
# Zl / Zp line and paragraph separators.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})
# The package wraps right-to-left characters in left-to-right marks for display.
_DISPLAY_MARK = "\u200e"


def hidden_characters(value):
    """The characters of ``value`` that must never be shown, in order."""
    return [char for char in value if unicodedata.category(char) in HIDDEN_CATEGORIES]


def without_hidden_characters(value):
    """``value`` with those characters removed (for names that come from elsewhere, e.g. SSO claims)."""
    return "".join(char for char in value if unicodedata.category(char) not in HIDDEN_CATEGORIES)


def check_visible_text(value):
    """Raise a ValidationError naming the first hidden character, as U+XXXX."""
    found = hidden_characters(value)
    if found:
        raise ValidationError(
            _("Remove the invisible or direction-changing character %(char)s."),
            code="hidden_character",
            params={"char": f"U+{ord(found[0]):04X}"},
        )


@cache
def _representatives():
    """Each character with look-alikes mapped to one member of its class (prefer ASCII letters)."""
    # Read (about 40 ms) by the first name checked, not at every command's start-up.
    from confusable_homoglyphs.confusables import confusables_data

    parent = {}

    def find(node):
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for char, homoglyphs in confusables_data.items():
        root = find(char.replace(_DISPLAY_MARK, ""))
        for homoglyph in homoglyphs:
            other = find(homoglyph["c"].replace(_DISPLAY_MARK, ""))
            if other != root:
                parent[other] = root
    classes = {}
    for node in parent:
        classes.setdefault(find(node), []).append(node)
    mapping = {}
    for members in classes.values():
        # Multi-character prototypes ("rn" for "m") first, then ASCII, then letters.
        representative = min(members, key=lambda m: (len(m) == 1, not m.isascii(), not m.isalpha(), m))
        mapping.update({m: representative for m in members if len(m) == 1 and m != representative})
    return mapping


def skeleton(value):
    """What ``value`` looks like: equal skeletons mean the two names can be mistaken for each other."""
    mapping = _representatives()
    text = unicodedata.normalize("NFKC", " ".join(value.split()))
    for _round in range(3):
        text = "".join(mapping.get(char, char) for char in unicodedata.normalize("NFD", text))
        text = unicodedata.normalize("NFKC", text).casefold()
    return text
