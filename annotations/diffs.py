"""Word-level differences between revisions, so a contributor sees what a reviewer changed."""

import difflib
import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)
MAX_DIFF_CHARS = 20_000
MAX_DIFFED_REVISIONS = 10
FIELD_LABELS = {
    "category": _("Category"),
    "instruction": _("Instruction"),
    "context": _("Reference text"),
    "source_url": _("Source"),
    "response": _("Response"),
}


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    segments: tuple | None  # ("equal" | "insert" | "delete", text) pairs; None when too long to compare


@dataclass(frozen=True)
class RevisionChange:
    revision: object
    previous: object
    fields: tuple


def word_diff(old, new):
    """``(op, text)`` segments turning ``old`` into ``new``, op being equal, delete or insert."""
    a, b = _TOKEN.findall(old or ""), _TOKEN.findall(new or "")
    segments = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            segments.append(("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            segments.append(("delete", "".join(a[i1:i2])))
        if j2 > j1:
            segments.append(("insert", "".join(b[j1:j2])))
    return tuple(segments)


def _field_change(field, old, new):
    if len(old) + len(new) > MAX_DIFF_CHARS:
        return FieldChange(field, FIELD_LABELS[field], None)
    return FieldChange(field, FIELD_LABELS[field], word_diff(old, new))


def revision_changes(revisions):
    """What each revision changed against the one before, newest first, for the latest few.

    ``revisions`` are ordered newest first, with ``category`` selected.
    """
    revisions = list(revisions[: MAX_DIFFED_REVISIONS + 1])
    changes = []
    for newer, older in zip(revisions, revisions[1:], strict=False):
        fields = []
        if newer.category_id != older.category_id:
            fields.append(_field_change("category", older.category.name, newer.category.name))
        for field in ("instruction", "context", "source_url", "response"):
            old, new = getattr(older, field), getattr(newer, field)
            if old != new:
                fields.append(_field_change(field, old, new))
        if fields:
            changes.append(RevisionChange(revision=newer, previous=older, fields=tuple(fields)))
    return changes
