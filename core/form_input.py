"""Form bodies (``application/x-www-form-urlencoded`` and ``multipart/form-data``) read strictly.

Django decodes form fields with ``errors="replace"``, so bytes that are not UTF-8 would be
stored as U+FFFD ("\ufffd").  ``check_form_body`` looks at the raw body first and names the
first field whose name or value is not UTF-8, for a 400 that changes nothing.
"""

import base64
import binascii
import io
from urllib.parse import unquote_to_bytes

from django.http.multipartparser import FIELD, ChunkIter, LazyStream, MultiPartParserError, Parser
from django.utils.http import parse_header_parameters
from django.utils.translation import gettext as _


class FormEncodingError(ValueError):
    """A form field that is not UTF-8; ``field`` is its name as far as it can be read."""

    def __init__(self, field):
        super().__init__(
            _("The field “%(field)s” is not valid UTF-8: send text encoded as UTF-8.") % {"field": field[:100]}
        )
        self.field = field
        self.code = "invalid_encoding"


def _decode(raw, *, name):
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise FormEncodingError(name) from None


def check_urlencoded(body):
    for pair in body.split(b"&"):
        if not pair:
            continue
        raw_name, _equals, raw_value = pair.partition(b"=")
        name_bytes = unquote_to_bytes(raw_name.replace(b"+", b" "))
        name = name_bytes.decode("utf-8", errors="replace")
        _decode(name_bytes, name=name)
        _decode(unquote_to_bytes(raw_value.replace(b"+", b" ")), name=name)


def check_multipart(body, boundary):
    """Check every field part (files are bytes and stay as they are) with Django's own part reader."""
    stream = LazyStream(ChunkIter(io.BytesIO(body), 64 * 1024))
    try:
        for item_type, meta, part in Parser(stream, boundary):
            if item_type != FIELD:
                part.read()
                continue
            name = meta.get("content-disposition", ("", {}))[1].get("name", b"")
            name = name.decode("utf-8", errors="replace").strip() if isinstance(name, bytes) else str(name)
            data = part.read()
            if meta.get("content-transfer-encoding", ("",))[0].strip() == "base64":
                try:
                    data = base64.b64decode(data)
                except binascii.Error:
                    pass
            _decode(data, name=name)
    except MultiPartParserError:
        return  # Django's parser reports a malformed body itself.


def check_form_body(body, content_type):
    """Raise ``FormEncodingError`` if the form ``body`` (bytes) holds a field that is not UTF-8."""
    media_type, params = parse_header_parameters(content_type or "")
    if media_type == "application/x-www-form-urlencoded":
        check_urlencoded(body)
    elif media_type == "multipart/form-data" and params.get("boundary"):
        check_multipart(body, params["boundary"].encode("ascii", errors="replace"))
