"""Form posts to the pages are held to the API's rule: a field that is not UTF-8 is a 400.

The API's parsers check their own bodies (``core.parsers``); this covers everything else
(the pages' forms), for bodies Django would hold in memory anyway.  A larger multipart body
is an upload whose few text fields are checked against fixed choices by its form.
"""

from django.conf import settings
from django.http import HttpResponse
from django.utils.html import escape
from django.utils.translation import gettext as _

from .form_input import FormEncodingError, check_form_body

_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1><p>{text}</p></body></html>
"""


class FormEncodingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD", "OPTIONS") and not request.path.startswith("/api/"):
            problem = self._problem(request)
            if problem is not None:
                title = _("Bad request")
                return HttpResponse(_PAGE.format(title=title, text=escape(problem)), status=400)
        return self.get_response(request)

    @staticmethod
    def _problem(request):
        content_type = request.META.get("CONTENT_TYPE", "")
        if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            return None
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return None
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if length <= 0 or (limit is not None and length > limit):
            return None
        try:
            check_form_body(request.body, content_type)
        except FormEncodingError as error:
            return str(error)
        return None
