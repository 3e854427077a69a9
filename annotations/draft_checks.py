"""The automatic checks on a draft as its author types, before it is submitted.

The writing page posts the text it holds; the checks are those the submit runs
(``quality.run_checks``), on an unsaved copy of the author's draft with that text, so what the
author is warned about is what the reviewer will see flagged.  Nothing is written.  Warnings
never block the submit, and they cannot be dismissed: they go away when the text is fixed.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from . import selectors
from .flag_messages import field_warnings
from .models import Demonstration
from .quality import run_checks
from .validation import TEXT_FIELDS, max_lengths


def check_draft_changes(payload):
    """The text fields and category posted for checking; a ``ValidationError`` names a bad field."""
    limits = max_lengths()
    errors, changes = {}, {}
    for field in TEXT_FIELDS:
        if field not in payload:
            continue
        value = payload[field]
        if not isinstance(value, str):
            errors[field] = [_("%(field)s must be text.") % {"field": field}]
        elif len(value) > limits[field]:
            errors[field] = [_("At most %(limit)s characters.") % {"limit": limits[field]}]
        else:
            changes[field] = value
    if "category" in payload:
        key = payload["category"]
        category = selectors.active_categories().filter(key=key).first() if isinstance(key, str) and key else None
        if category is None:
            errors["category"] = [_("Choose one of the active categories.")]
        else:
            changes["category"] = category
    if errors:
        raise ValidationError(errors)
    return changes


def draft_warnings(*, demonstration, changes):
    """``[{"field", "kind", "code", "params", "message"}, ...]`` for ``demonstration`` with ``changes``.

    ``changes`` are fields as ``check_draft_changes`` returns them; the others keep their stored
    value.  The copy keeps the draft's id, so the draft is never its own duplicate.
    """
    copy = Demonstration(
        pk=demonstration.pk,
        status=demonstration.status,
        category=changes.get("category", demonstration.category),
        **{field: changes.get(field, getattr(demonstration, field)) for field in TEXT_FIELDS},
    )
    copy.set_text_hashes()
    warnings = []
    for finding in run_checks(copy):
        for field, message in field_warnings(finding.code, finding.params):
            warnings.append(
                {
                    "field": field,
                    "kind": finding.kind,
                    "code": finding.code,
                    "params": finding.params,
                    "message": message,
                }
            )
    return warnings
