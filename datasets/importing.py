"""Reading and checking a dolly-format JSONL file, line by line.

Every line is checked for shape (JSON object with exactly the four string fields) and
then with ``annotations.validation.check_demonstration`` (the one validation path),
keeping the text exactly as it is.  Files may be gzip-compressed.
"""

import gzip
import json
import zlib
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.utils.translation import gettext as _

from annotations.models import Category
from annotations.validation import check_demonstration
from core.json_input import JSONInputError, loads_unique_keys

from .records import DOLLY_FIELDS, content_hash

MAX_REPORTED_PROBLEMS = 50
_FIELD_SET = frozenset(DOLLY_FIELDS)
# Past this many refused lines a file is not worth reading on (a file of millions of empty lines costs nothing to send).
MAX_BAD_LINES = 1000
_GZIP_MAGIC = b"\x1f\x8b"
_JSON_TYPES = {
    dict: "an object",
    list: "a list",
    str: "text",
    bool: "true/false",
    int: "a number",
    float: "a number",
    type(None): "null",
}


class Stop(str):
    """The reason a file is read no further (damaged gzip, too large, too many bad lines): always reported."""


def _megabytes(size):
    return f"{size / (1024 * 1024):g} MB"


def open_lines(opener):
    """Yield ``(number, raw line)`` of the file ``opener()`` opens in binary mode, decompressed if it is
    gzip; a line that cannot be used whole is yielded as ``(number, reason)`` (a string).

    The limits hold while the file streams, whatever its compressed size: a line longer than
    ``DOLLY_IMPORT_MAX_LINE_BYTES`` is refused without being kept in memory (the reading goes on
    at the next line), and past ``DOLLY_IMPORT_MAX_BYTES`` decompressed bytes, or at a gzip stream
    that is damaged or cut short, the reading stops with that reason as the last line.
    """
    max_line, max_total = settings.DOLLY_IMPORT_MAX_LINE_BYTES, settings.DOLLY_IMPORT_MAX_BYTES
    raw = opener()
    handle = raw
    try:
        head = raw.read(2)
        raw.seek(0)
        if head == _GZIP_MAGIC:
            handle = gzip.GzipFile(fileobj=raw, mode="rb")
        total, number = 0, 0
        while True:
            number += 1
            try:
                line = handle.readline(max_line + 1)
                if len(line) > max_line and not line.endswith(b"\n"):
                    skipped = _skip_rest_of_line(handle, max_total - total)
                    total += len(line) + skipped
                    line = None
            except (OSError, EOFError, zlib.error) as exc:
                yield number, Stop(_unreadable(exc))
                return
            if line == b"":
                return
            total += len(line or b"")
            if total > max_total:
                yield (
                    number,
                    _("the file is larger than %(size)s once decompressed (DOLLY_IMPORT_MAX_BYTES)")
                    % {"size": _megabytes(max_total)},
                )
                return
            if line is None:
                yield (
                    number,
                    _("the line is longer than %(size)s (DOLLY_IMPORT_MAX_LINE_BYTES)")
                    % {"size": _megabytes(max_line)},
                )
            else:
                yield number, line
    finally:
        handle.close()
        raw.close()


def _skip_rest_of_line(handle, budget):
    """Read past the end of an over-long line, a block at a time; stops early past ``budget`` bytes."""
    skipped = 0
    while skipped <= budget:
        block = handle.readline(1 << 20)
        skipped += len(block)
        if not block or block.endswith(b"\n"):
            break
    return skipped


def _unreadable(exc):
    if isinstance(exc, EOFError):
        return _("the gzip data ends early: the file is cut short")
    return _("the file is not valid gzip data (%(reason)s)") % {"reason": str(exc) or type(exc).__name__}


@dataclass
class ParsedLine:
    number: int
    instruction: str
    context: str
    response: str
    category: str
    digest: str


@dataclass
class CategoryPlan:
    """Categories the file names: existing ones by key, and (with ``create``) new ones to add."""

    create: bool = False
    known: dict = field(default_factory=dict)
    new: dict = field(default_factory=dict)

    @classmethod
    def load(cls, *, create):
        return cls(create=create, known={c.key: c for c in Category.objects.all()})

    def resolve(self, key, context):
        """The category for ``key``, or a reason it cannot be used.  A new category needs a
        reference text if the first line that names it has one."""
        if key in self.known:
            return self.known[key], None
        if key in self.new:
            return self.new[key], None
        if not self.create:
            return None, _("unknown category %(key)s (use --create-categories to add it)") % {"key": json.dumps(key)}
        try:
            validate_slug(key)
            if len(key) > 40:
                raise ValidationError("too long")
        except ValidationError:
            return None, _("category %(key)s is not a valid key (letters, digits, - and _, at most 40)") % {
                "key": json.dumps(key)
            }
        category = Category(key=key, name=key.replace("_", " ").capitalize(), needs_context=bool(context))
        self.new[key] = category
        return category, None


def _describe(value):
    return _JSON_TYPES.get(type(value), type(value).__name__)


def parse_line(number, raw, plan):
    """A ``ParsedLine``, or the reason the line is refused (a string)."""
    try:
        text = raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        return _("not valid UTF-8 (byte %(pos)d)") % {"pos": exc.start + 1}
    if not text or text.isspace():
        return _("empty line")
    try:
        data = loads_unique_keys(text)
    except JSONInputError as exc:
        return _("duplicate key %(key)s") % {"key": json.dumps(exc.key)}
    except json.JSONDecodeError as exc:
        return _("not valid JSON: %(msg)s at column %(col)d") % {"msg": exc.msg, "col": exc.pos + 1}
    except RecursionError:
        return _("not a dolly record: the JSON is nested too deeply")
    if not isinstance(data, dict):
        return _("not a JSON object but %(kind)s") % {"kind": _describe(data)}
    missing = [] if data.keys() == _FIELD_SET else [key for key in DOLLY_FIELDS if key not in data]
    extra = [] if not missing and len(data) == len(DOLLY_FIELDS) else sorted(k for k in data if k not in DOLLY_FIELDS)
    if missing or extra:
        parts = []
        if missing:
            parts.append(_("missing key %(keys)s") % {"keys": ", ".join(missing)})
        if extra:
            parts.append(_("unexpected key %(keys)s") % {"keys": ", ".join(extra)})
        return "; ".join(parts)
    wrong = [key for key in DOLLY_FIELDS if not isinstance(data[key], str)]
    if wrong:
        return "; ".join(
            _("%(key)s must be text, not %(kind)s") % {"key": key, "kind": _describe(data[key])} for key in wrong
        )
    category, problem = plan.resolve(data["category"], data["context"])
    if problem:
        return problem
    try:
        check_demonstration(
            category=category,
            instruction=data["instruction"],
            context=data["context"],
            source_url="",
            response=data["response"],
            complete=True,
            strip=False,
            require_source_url=False,
        )
    except ValidationError as exc:
        return "; ".join(f"{key}: {message}" for key, messages in exc.message_dict.items() for message in messages)
    return ParsedLine(
        number=number,
        instruction=data["instruction"],
        context=data["context"],
        response=data["response"],
        category=data["category"],
        digest=content_hash(data["instruction"], data["context"], data["response"], data["category"]),
    )


def parsed_lines(opener, plan):
    """Yield ``(number, ParsedLine or reason)`` for every line of the file.

    After ``MAX_BAD_LINES`` refused lines the rest of the file is not read: the reason says so.
    """
    bad = 0
    for number, raw in open_lines(opener):
        parsed = raw if isinstance(raw, str) else parse_line(number, raw, plan)
        yield number, parsed
        if isinstance(parsed, str) and not isinstance(parsed, Stop):
            bad += 1
            if bad >= MAX_BAD_LINES:
                yield number, Stop(_("%(count)d bad lines: the rest of the file was not read") % {"count": bad})
                return
