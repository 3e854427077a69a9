"""The API's request parsers: every content type is read strictly, and every refusal is the same 400.

JSON: UTF-8 only, no duplicate keys, no ``NaN``, bounded nesting (see ``json_input``).  Forms
and multipart: every field must be UTF-8 (see ``form_input``).  The error is DRF's
``ParseError`` (``{"detail": ...}``), whatever the content type.
"""

import io

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from . import json_input
from .form_input import FormEncodingError, check_form_body


def _read(stream):
    if stream is None:
        return b""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = stream.read(limit + 1 if limit is not None else -1)
    if limit is not None and len(body) > limit:
        raise ParseError(_("The request body is larger than %(limit)s bytes.") % {"limit": limit}, code="too_large")
    return body


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        body = _read(stream)
        if not body.strip():
            raise ParseError(_("The JSON body is empty."), code="invalid_json")
        try:
            return json_input.loads(body)
        except json_input.JSONInputError as error:
            raise ParseError(_("JSON parse error - %(problem)s") % {"problem": error}, code=error.code) from None


class _CheckedFormBody:
    """Reads the body once, refuses a malformed form encoding, then lets DRF parse it."""

    def parse(self, stream, media_type=None, parser_context=None):
        body = _read(stream)
        try:
            check_form_body(body, media_type or self.media_type)
        except FormEncodingError as error:
            raise ParseError(str(error), code=error.code) from None
        return super().parse(io.BytesIO(body), media_type, parser_context)


class FormParser(_CheckedFormBody, parsers.FormParser):
    pass


class MultiPartParser(_CheckedFormBody, parsers.MultiPartParser):
    """No API operation takes a file, so a multipart body is held to the size of a form body."""
