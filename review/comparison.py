"""Comparing a record flagged as a (near) duplicate with the record it resembles, side by side.

Reads only.  The resembled record is the one the duplicate check stored on the flag
(``QualityFlag.other``); it is shown only if the reviewer may see it
(``Demonstration.objects.for_user``), otherwise the page says it was deleted or is no longer
visible.  The similarity is the duplicate check's own measure (instruction trigrams), and the
word diff is ``annotations.diffs.word_diff`` on texts capped at ``MAX_COMPARED_CHARS`` each,
so a page never compares more than a few thousand words.
"""

from dataclasses import dataclass

from django.http import Http404
from django.utils.translation import gettext_lazy as _

from annotations.diffs import word_diff
from annotations.models import Demonstration, QualityFlag
from annotations.text import trigram_similarity, trigrams

from . import selectors

DUPLICATE_KINDS = (QualityFlag.Kind.EXACT_DUPLICATE, QualityFlag.Kind.NEAR_DUPLICATE)
MAX_COMPARED_CHARS = 3000
COMPARED_FIELDS = (
    ("instruction", _("Instruction")),
    ("context", _("Reference text")),
    ("response", _("Response")),
)


class Missing:
    """Why the resembled record cannot be shown."""

    DELETED = "deleted"
    HIDDEN = "hidden"


@dataclass(frozen=True)
class ComparedField:
    field: str
    label: str
    flagged: tuple  # ("equal" | "insert", text) segments: the flagged record's text
    other: tuple  # ("equal" | "delete", text) segments: the resembled record's text
    truncated: bool


@dataclass(frozen=True)
class Comparison:
    flagged: Demonstration
    flag: QualityFlag
    flags: list
    other: Demonstration | None
    missing: str
    similarity: float | None
    fields: tuple

    @property
    def similarity_percent(self):
        return None if self.similarity is None else round(100 * self.similarity)


def is_duplicate_flag(flag):
    return flag.kind in DUPLICATE_KINDS


def instruction_similarity(first, second):
    """The duplicate check's measure: trigram similarity of the two instructions, 0 to 1."""
    return trigram_similarity(trigrams(first), trigrams(second))


def _capped(text):
    return (text[:MAX_COMPARED_CHARS], True) if len(text) > MAX_COMPARED_CHARS else (text, False)


def _merged(segments):
    """Changed runs separated only by spaces become one run: "Snow hushes" is one mark, not two."""
    merged = []
    for op, text in segments:
        if merged and merged[-1][0] == op:
            merged[-1] = (op, merged[-1][1] + text)
        elif len(merged) >= 2 and op != "equal" and merged[-1][1].isspace() and merged[-2][0] == op:
            space = merged.pop()[1]
            merged[-1] = (op, merged[-1][1] + space + text)
        else:
            merged.append((op, text))
    return merged


def _trimmed(segments):
    """One side of the diff, with spaces around a changed run shown as unchanged: only words are marked."""
    out = []
    for op, text in _merged(segments):
        if op == "equal" or not text.strip():
            out.append(("equal", text))
            continue
        core = text.strip()
        start = text.index(core)
        out.extend(
            part for part in (("equal", text[:start]), (op, core), ("equal", text[start + len(core) :])) if part[1]
        )
    return tuple(out)


def compare_texts(flagged_text, other_text, *, field="", label=""):
    """Both sides of a word diff from ``other_text`` (the older record) to ``flagged_text``."""
    new, new_cut = _capped(flagged_text or "")
    old, old_cut = _capped(other_text or "")
    segments = word_diff(old, new)
    return ComparedField(
        field=field,
        label=label,
        flagged=_trimmed(s for s in segments if s[0] != "delete"),
        other=_trimmed(s for s in segments if s[0] != "insert"),
        truncated=new_cut or old_cut,
    )


def _chosen_flag(flags, other_public_id):
    duplicates = [flag for flag in flags if is_duplicate_flag(flag)]
    if other_public_id:
        duplicates = [flag for flag in duplicates if flag.other and str(flag.other.public_id) == str(other_public_id)]
    if not duplicates:
        raise Http404("No duplicate flag on this demonstration.")
    return duplicates[0]


def _visible_other(*, user, flag):
    if flag.other_id is None:
        return None, Missing.DELETED
    other = Demonstration.objects.for_user(user).select_related("category", "author").filter(pk=flag.other_id).first()
    return (other, "") if other is not None else (None, Missing.HIDDEN)


def access_comparison(*, user, public_id, other_public_id=None):
    """The comparison of demonstration ``public_id`` with the record its duplicate flag names.

    403 unless ``user`` may review the flagged record, 404 if it is unknown or carries no
    duplicate flag (naming ``other_public_id``, when given).  Four queries after the checks.
    """
    demonstration = selectors.access_review_item(user=user, public_id=public_id)
    flagged = selectors.review_item(demonstration.pk)
    flags = list(flagged.flags.all())
    flag = _chosen_flag(flags, other_public_id)
    other, missing = _visible_other(user=user, flag=flag)
    fields = ()
    similarity = None
    if other is not None:
        similarity = instruction_similarity(flagged.instruction, other.instruction)
        fields = tuple(
            compare_texts(getattr(flagged, name), getattr(other, name), field=name, label=label)
            for name, label in COMPARED_FIELDS
            if getattr(flagged, name) or getattr(other, name)
        )
    return Comparison(
        flagged=flagged, flag=flag, flags=flags, other=other, missing=missing, similarity=similarity, fields=fields
    )
