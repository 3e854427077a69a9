"""What an automatic quality finding says, in the language active when it is shown.

A finding is stored as a code and its parameters (``QualityFlag.params``), never as sentences:
``{"code": "near_duplicate", "similarity": 0.87, "demonstration": 123}``,
``{"code": "personal_data", "fields": {"response": ["email"]}}``.  The text is made here, at
display, for every place that shows a flag: the writing page's warnings, the review queue and
detail, the admin and the API.

- ``flag_message(flag)`` — the whole finding in one line (reviewers, admin, API);
- ``finding_message(code, params)`` — the same from a code and parameters;
- ``field_warnings(code, params)`` — ``[(field, message), ...]``: what to show beside each
  field of the writing form it concerns, addressed to the author.

A flag stored before codes existed, whose English text could not be read back into a code,
keeps its text in ``detail`` and is shown as it is.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

# The fields of the writing form a finding can concern.
FIELD_LABELS = {
    "instruction": gettext_lazy("Instruction"),
    "context": gettext_lazy("Reference text"),
    "source_url": gettext_lazy("Source address"),
    "response": gettext_lazy("Response"),
}
PERSONAL_DATA_KINDS = {
    "email": gettext_lazy("e-mail address"),
    "card": gettext_lazy("payment card number"),
    "phone": gettext_lazy("phone number"),
    "ip": gettext_lazy("IP address"),
}
CODES = (
    "exact_duplicate",
    "near_duplicate",
    "personal_data",
    "ai_phrasing",
    "missing_context",
    "source_not_allowed",
    "source_missing",
    "citation_markers",
    "response_too_short",
    "response_equals_context",
)


def _percent(params):
    try:
        return round(float(params.get("similarity", 0)) * 100)
    except (TypeError, ValueError):
        return 0


def _kinds(kinds):
    return ", ".join(str(PERSONAL_DATA_KINDS.get(kind, kind)) for kind in kinds or ())


def _per_field(params):
    fields = params.get("fields")
    if not isinstance(fields, dict):
        return []
    return [(field, fields[field]) for field in FIELD_LABELS if field in fields]


def _label(field):
    return str(FIELD_LABELS.get(field, field))


def _where(parts):
    """``[(field, text), ...]`` as "Response: text; Instruction: text" in the active language."""
    separator = pgettext("between the fields of a flag", "; ")
    return separator.join(_("%(field)s: %(found)s") % {"field": _label(field), "found": text} for field, text in parts)


def _citations(count):
    return ngettext("%(count)d marker", "%(count)d markers", count) % {"count": count}


def _whole(code, params):
    if code == "exact_duplicate":
        return _("Same instruction and reference text as another.")
    if code == "near_duplicate":
        return _("Instruction %(percent)d%% similar to another.") % {"percent": _percent(params)}
    if code == "personal_data":
        return _where((field, _kinds(kinds)) for field, kinds in _per_field(params))
    if code == "ai_phrasing":
        return _where((field, _("“%(phrase)s”") % {"phrase": phrase}) for field, phrase in _per_field(params))
    if code == "missing_context":
        return _("%(name)s needs a reference text.") % {"name": params.get("category", "")}
    if code == "source_not_allowed":
        return _("Source host %(host)s is not in the allowed list.") % {"host": params.get("host", "")}
    if code == "source_missing":
        return _("No source address given for the reference text.")
    if code == "citation_markers":
        where = _where((field, _citations(int(count))) for field, count in _per_field(params))
        return _("Bracketed citation markers (%(where)s).") % {"where": where}
    if code == "response_too_short":
        return _("%(length)d characters; %(name)s asks for at least %(minimum)d.") % {
            "length": int(params.get("length", 0)),
            "name": params.get("category", ""),
            "minimum": int(params.get("minimum", 0)),
        }
    if code == "response_equals_context":
        return _("The response repeats the reference text.")
    return None


def finding_message(code, params, detail=""):
    """The finding in one line, in the active language; ``detail`` when the code is unknown."""
    params = params if isinstance(params, dict) else {}
    try:
        message = _whole(code, params)
    except (TypeError, ValueError):
        message = None
    return detail if message is None else message


def flag_message(flag):
    """What a stored ``QualityFlag`` says, in the active language."""
    params = flag.params if isinstance(flag.params, dict) else {}
    return finding_message(params.get("code", ""), params, flag.detail)


def _field_message(code, field, value, params):
    if code == "personal_data":
        return _("Personal data: %(kinds)s. Remove it or replace it with a made-up example.") % {"kinds": _kinds(value)}
    if code == "ai_phrasing":
        return _("“%(phrase)s” reads like generated text: write it in your own words.") % {"phrase": value}
    if code == "citation_markers":
        return ngettext(
            "%(count)d bracketed citation marker (such as [1]): remove it.",
            "%(count)d bracketed citation markers (such as [1]): remove them.",
            int(value),
        ) % {"count": int(value)}
    return None


# The field each whole-record finding is about, and what to tell the author there.
_SINGLE_FIELD = {
    "exact_duplicate": "instruction",
    "near_duplicate": "instruction",
    "missing_context": "context",
    "source_not_allowed": "source_url",
    "source_missing": "source_url",
    "response_too_short": "response",
    "response_equals_context": "response",
}


def _author_message(code, params):
    if code == "exact_duplicate":
        return _("Another demonstration already has this instruction and reference text: write a different one.")
    if code == "near_duplicate":
        return _("This instruction is %(percent)d%% similar to another demonstration: make it more distinct.") % {
            "percent": _percent(params)
        }
    if code == "source_not_allowed":
        return _("%(host)s is not an allowed source: take the reference text from an allowed site.") % {
            "host": params.get("host", "")
        }
    return finding_message(code, params)


def field_warnings(code, params):
    """``[(field, message), ...]``: what the finding tells the author beside each field it concerns."""
    params = params if isinstance(params, dict) else {}
    try:
        if code in _SINGLE_FIELD:
            return [(_SINGLE_FIELD[code], _author_message(code, params))]
        warnings = []
        for field, value in _per_field(params):
            message = _field_message(code, field, value, params)
            if message is not None:
                warnings.append((field, message))
        return warnings
    except (TypeError, ValueError):
        return []
