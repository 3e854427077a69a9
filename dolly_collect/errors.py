"""Error responses that never depend on the database.

A request that fails because PostgreSQL is unreachable (restarting, failing over) gets a 503
with ``Retry-After`` instead of a 500: nothing was changed, and the same request can simply be
sent again.  The pages are plain, so rendering them cannot fail for the same reason.
"""

import sys

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.exceptions import BadQueryParameter

DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1><p>{text}</p></body></html>
"""


def _answer(request, status, title, text):
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": text}, status=status)
    else:
        response = HttpResponse(_PAGE.format(title=title, text=text), status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request):
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_UNAVAILABLE) or (
        isinstance(error, DatabaseError) and isinstance(error.__cause__, DATABASE_UNAVAILABLE)
    ):
        return _answer(
            request,
            503,
            _("Temporarily unavailable"),
            _("The database cannot be reached right now. Nothing was changed; try again in a moment."),
        )
    return _answer(
        request,
        500,
        _("Server error"),
        _("Something went wrong on our side, and it has been logged. Please try again."),
    )


def bad_request(request, exception):
    """Django's 400 handler: a query parameter the page cannot use is named, on a page or in JSON.

    Other refusals (``SuspiciousOperation`` and the like) keep a plain message: theirs may describe
    the server."""
    field, message = (exception.field, exception.message) if isinstance(exception, BadQueryParameter) else ("", "")
    if request.path.startswith("/api/"):
        body = {field: [message]} if field else {"detail": _("The request could not be understood.")}
        return JsonResponse(body, status=400)
    return render(request, "400.html", {"field": field, "message": message}, status=400)
