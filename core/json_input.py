"""JSON that comes from outside (API bodies, the autosave, import lines), read strictly.

``json.loads`` alone lets the last of two equal keys win silently, reads ``NaN`` and
``Infinity``, and raises ``RecursionError`` (a 500) on an array nested a thousand deep.  Here
each of those, like bytes that are not UTF-8, is a ``JSONInputError`` whose message says what
is wrong and where, for a 400 or a ``FILE:LINE:`` report.
"""

import json
import re

from django.utils.translation import gettext as _

MAX_DEPTH = 32
MAX_NUMBER_DIGITS = 100

_SPECIAL = re.compile(r'["\\\[\]{}]')


class JSONInputError(ValueError):
    """Why a JSON text was refused.  ``code`` is stable; ``key`` names a duplicated key."""

    def __init__(self, message, *, code, key=None):
        super().__init__(message)
        self.code = code
        self.key = key


def refuse_duplicate_keys(pairs):
    """``object_pairs_hook`` that refuses a key given twice (``json.loads`` keeps the last silently)."""
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise JSONInputError(_("Duplicate key “%(key)s”.") % {"key": key[:100]}, code="duplicate_key", key=key)
        seen[key] = value
    return seen


_pairs_decoder = json.JSONDecoder(object_pairs_hook=list)


def loads_unique_keys(text):
    """``json.loads(text, object_pairs_hook=refuse_duplicate_keys)``: the same value or the same error.

    A flat object of text values (an import line) is read without calling back into Python for
    each object: its key/value pairs come back as a list, and a key given twice shows as fewer keys
    in the dict than pairs.  Anything else (nested values, numbers, a duplicate, an error) is read
    again by the strict decoder, so every refusal is exactly what it was.
    """
    if text[:1] == "{":
        try:
            pairs = _pairs_decoder.decode(text)
        except (ValueError, RecursionError):
            pairs = None
        if pairs is not None and all(type(value) is str for _key, value in pairs):
            data = dict(pairs)
            if len(data) == len(pairs):
                return data
    return json.loads(text, object_pairs_hook=refuse_duplicate_keys)


def _refuse_constant(name):
    raise JSONInputError(_("%(name)s is not a JSON number.") % {"name": name}, code="invalid_number")


def _parse_int(digits):
    if len(digits.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise JSONInputError(
            _("A number has more than %(max)s digits.") % {"max": MAX_NUMBER_DIGITS}, code="number_too_long"
        )
    return int(digits)


def check_depth(text, *, max_depth=MAX_DEPTH):
    """Refuse arrays and objects nested more than ``max_depth`` deep (brackets inside strings don't count).

    One pass over the quotes, backslashes and brackets only, so hostile text costs linear time.
    """
    if text.count("[") + text.count("{") <= max_depth:
        return
    depth, in_string, escaped = 0, False, -1
    for match in _SPECIAL.finditer(text):
        position, char = match.start(), match.group()
        if position == escaped:
            continue
        if in_string:
            if char == "\\":
                escaped = position + 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > max_depth:
                raise JSONInputError(
                    _("Arrays and objects are nested more than %(max)s deep.") % {"max": max_depth},
                    code="too_deep",
                )
        elif char in "]}":
            depth -= 1


def loads(data, *, max_depth=MAX_DEPTH):
    """Parse ``data`` (UTF-8 bytes or text) as JSON; raise ``JSONInputError`` for anything doubtful."""
    if isinstance(data, bytes | bytearray | memoryview):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError as error:
            raise JSONInputError(
                _("The body is not valid UTF-8 (byte %(offset)s).") % {"offset": error.start}, code="invalid_encoding"
            ) from None
    check_depth(data, max_depth=max_depth)
    try:
        return json.loads(
            data, object_pairs_hook=refuse_duplicate_keys, parse_constant=_refuse_constant, parse_int=_parse_int
        )
    except json.JSONDecodeError as error:
        raise JSONInputError(
            _("Not valid JSON: %(problem)s (line %(line)s, column %(column)s).")
            % {"problem": error.msg, "line": error.lineno, "column": error.colno},
            code="invalid_json",
        ) from None
    except RecursionError:
        raise JSONInputError(_("Arrays and objects are nested too deep."), code="too_deep") from None
