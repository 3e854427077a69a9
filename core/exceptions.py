"""Exceptions every app may raise, with the one meaning the API gives them (``dolly_collect.api``)."""

from django.core.exceptions import BadRequest


class Conflict(Exception):
    """The request contradicts the current state of the data (the API answers 409).

    ``code`` names the kind of conflict for machines; ``details()`` adds fields to the body.
    """

    code = "conflict"

    def details(self):
        return {}


class BadQueryParameter(BadRequest):
    """A query-string parameter a page or an API cannot use: a 400 naming ``field``.

    Django turns it into its 400 handler's answer (``dolly_collect.errors.bad_request``): a page
    saying which parameter and why, or ``{field: [message]}`` under ``/api/``.
    """

    def __init__(self, field, message):
        self.field = field
        self.message = str(message)
        super().__init__(f"{field}: {self.message}")

    def detail(self):
        return {self.field: [self.message]}
