"""Reading and checking a dolly-format JSONL file, line by line.

Every line is checked for shape (JSON object with exactly the four string fields) and
then with ``annotations.validation.check_demonstration`` (the one validation path),
keeping the text exactly as it is.  Files may be gzip-compressed.
"""

import gzip
import json
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.utils.translation import gettext as _

from annotations.models import Category
from annotations.validation import check_demonstration

from .records import DOLLY_FIELDS, content_hash

MAX_REPORTED_PROBLEMS = 50
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


def open_lines(opener):
    """The lines of the file that ``opener()`` opens in binary mode, decompressed if it is gzip."""
    raw = opener()
    head = raw.read(2)
    raw.seek(0)
    handle = gzip.GzipFile(fileobj=raw, mode="rb") if head == _GZIP_MAGIC else raw
    try:
        yield from handle
    finally:
        handle.close()
        raw.close()


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
    if not text.strip():
        return _("empty line")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return _("not valid JSON: %(msg)s at column %(col)d") % {"msg": exc.msg, "col": exc.pos + 1}
    if not isinstance(data, dict):
        return _("not a JSON object but %(kind)s") % {"kind": _describe(data)}
    missing = [key for key in DOLLY_FIELDS if key not in data]
    extra = sorted(key for key in data if key not in DOLLY_FIELDS)
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
    """Yield ``(number, ParsedLine or reason)`` for every line of the file."""
    for number, raw in enumerate(open_lines(opener), start=1):
        yield number, parse_line(number, raw, plan)
