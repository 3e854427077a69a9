"""The exported record, kept apart from the ``Demonstration`` model.

``DollyRecord.to_dict()`` is the dolly layout; ``dolly_line`` writes it exactly as
``json.dumps(record.to_dict()) + "\\n"`` would, only faster, because the four values
are always strings and the key order is fixed.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from json.encoder import encode_basestring, encode_basestring_ascii

from django.utils.crypto import salted_hmac

DOLLY_FIELDS = ("instruction", "context", "response", "category")
METADATA_FIELDS = ("id", "created_at", "contributor", "contests", "review_rating", "flags")
_CONTRIBUTOR_SALT = "dolly_collect.datasets.contributor"


@dataclass(slots=True)
class DollyRecord:
    instruction: str
    context: str
    response: str
    category: str
    pk: int = 0
    public_id: str = ""
    created_at: datetime | None = None
    author_id: int = 0
    review_rating: int | None = None
    flags: list = field(default_factory=list)
    contests: list = field(default_factory=list)

    def to_dict(self):
        return {
            "instruction": self.instruction,
            "context": self.context,
            "response": self.response,
            "category": self.category,
        }

    def to_metadata_dict(self):
        return {
            **self.to_dict(),
            "id": self.public_id,
            "created_at": format_timestamp(self.created_at),
            "contributor": anonymous_contributor_id(self.author_id),
            "contests": self.contests,
            "review_rating": self.review_rating,
            "flags": self.flags,
        }


def dolly_line(record, *, ensure_ascii=True):
    encode = encode_basestring_ascii if ensure_ascii else encode_basestring
    return "".join(
        (
            '{"instruction": ',
            encode(record.instruction),
            ', "context": ',
            encode(record.context),
            ', "response": ',
            encode(record.response),
            ', "category": ',
            encode(record.category),
            "}\n",
        )
    )


def metadata_line(record, *, ensure_ascii=True):
    return json.dumps(record.to_metadata_dict(), ensure_ascii=ensure_ascii) + "\n"


def content_hash(instruction, context, response, category):
    """SHA-256 of the four dolly fields, framed so that no two different records collide by concatenation.

    The framing is the compact JSON array of the four (``json.dumps([...], ensure_ascii=False,
    separators=(",", ":"))``), written here without the encoder's per-call overhead: the same
    bytes, the fields being always text."""
    payload = "".join(
        (
            "[",
            encode_basestring(instruction),
            ",",
            encode_basestring(context),
            ",",
            encode_basestring(response),
            ",",
            encode_basestring(category),
            "]",
        )
    )
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


def anonymous_contributor_id(author_id):
    """A stable pseudonym per person: an HMAC keyed from ``SECRET_KEY``, so it cannot be walked back to a user."""
    return salted_hmac(_CONTRIBUTOR_SALT, str(author_id), algorithm="sha256").hexdigest()[:16]


def format_timestamp(value):
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")
