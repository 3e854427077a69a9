"""The one validation path for demonstration text, used by the form, the API and the importer."""

import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

TEXT_FIELDS = ("instruction", "context", "source_url", "response")
_ALLOWED_CONTROL = frozenset("\n\r\t")
# Every Cc (C0, DEL, C1) and Cs character except the allowed controls: a fast screen for _bad_character.
_SUSPECT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_url_validator = URLValidator(schemes=["http", "https"])


@dataclass(frozen=True)
class DemonstrationText:
    instruction: str
    context: str
    source_url: str
    response: str

    def as_dict(self):
        return {field: getattr(self, field) for field in TEXT_FIELDS}


def max_lengths():
    return {
        "instruction": settings.DOLLY_MAX_INSTRUCTION_CHARS,
        "context": settings.DOLLY_MAX_CONTEXT_CHARS,
        "source_url": settings.DOLLY_MAX_SOURCE_URL_CHARS,
        "response": settings.DOLLY_MAX_RESPONSE_CHARS,
    }


def _bad_character(value):
    """Return a description of the first character that may not be stored, or ``None``."""
    # A printable text has no control character or surrogate (both are non-printable): one C loop.
    if value.isprintable() or _SUSPECT.search(value) is None:
        return None
    for position, char in enumerate(value, start=1):
        if char in _ALLOWED_CONTROL:
            continue
        category = unicodedata.category(char)
        if category == "Cc":
            return _("control character U+%(code)04X at position %(pos)d") % {"code": ord(char), "pos": position}
        if category == "Cs":
            return _("invalid surrogate U+%(code)04X at position %(pos)d") % {"code": ord(char), "pos": position}
    return None


def _as_text(values, *, strip, errors):
    """The values as text (``None`` is empty), stripped when asked, and as typed; non-text is an error."""
    cleaned, typed = dict(values), {}
    for field, value in values.items():
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors[field] = _("Must be text.")
            continue
        typed[field] = value
        cleaned[field] = value.strip() if strip else value
    return cleaned, typed


def _check_category(category, errors):
    if category is None:
        errors["category"] = _("Choose a category.")
    elif not category.is_active:
        errors["category"] = _("The category “%(name)s” is closed to new demonstrations.") % {"name": category.name}


def _check_storable(values, typed, errors):
    """Every field within its length limit and free of characters that cannot be stored."""
    for field, limit in max_lengths().items():
        if field in errors:
            continue
        value = values[field]
        if len(value) > limit:
            errors[field] = _("At most %(limit)s characters (this one has %(length)s).") % {
                "limit": f"{limit:,}",
                "length": f"{len(value):,}",
            }
            continue
        # On the text as typed: str.strip() would silently drop trailing controls such as U+001F.
        bad = _bad_character(typed[field])
        if bad:
            errors[field] = _("Contains a character that cannot be stored: %(what)s.") % {"what": bad}


def _check_complete(category, values, errors, *, require_response, require_source_url):
    """What a submission needs: a response, and a reference text exactly when the category uses one."""
    if require_response and "response" not in errors and not values["response"]:
        errors["response"] = _("This field is required.")
    if category.needs_context:
        if "context" not in errors and not values["context"]:
            errors["context"] = _("%(name)s needs a reference text.") % {"name": category.name}
        if require_source_url and "source_url" not in errors and not values["source_url"]:
            errors["source_url"] = _("Give the address the reference text was taken from.")
        return
    if "context" not in errors and values["context"]:
        errors["context"] = _("%(name)s does not use a reference text; leave it empty.") % {"name": category.name}
    if "source_url" not in errors and values["source_url"]:
        errors["source_url"] = _("%(name)s does not use a source address; leave it empty.") % {"name": category.name}


def check_demonstration(
    *,
    category,
    instruction,
    context="",
    source_url="",
    response="",
    complete,
    strip=True,
    require_source_url=True,
    require_response=True,
):
    """Validate demonstration text and return it cleaned.

    ``complete`` asks for everything a submission needs (response, reference text rule);
    a draft only needs an instruction and well-formed text.  ``strip`` trims surrounding
    whitespace, as typed input wants; the importer keeps text exactly.  An open instruction
    is complete without a response (``require_response=False``).  Raises a
    ``ValidationError`` whose keys are field names.
    """
    errors = {}
    values, typed = _as_text(
        {"instruction": instruction, "context": context, "source_url": source_url, "response": response},
        strip=strip,
        errors=errors,
    )
    _check_category(category, errors)
    _check_storable(values, typed, errors)
    if "instruction" not in errors and not values["instruction"]:
        errors["instruction"] = _("This field is required.")
    if "source_url" not in errors and values["source_url"]:
        try:
            _url_validator(values["source_url"])
        except ValidationError:
            errors["source_url"] = _("Enter a valid http:// or https:// address.")
    if complete and category is not None:
        _check_complete(
            category, values, errors, require_response=require_response, require_source_url=require_source_url
        )
    if errors:
        raise ValidationError({field: [message] for field, message in errors.items()})
    return DemonstrationText(**values)
