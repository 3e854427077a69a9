"""Exceptions every app may raise, with the one meaning the API gives them (``dolly_collect.api``)."""


class Conflict(Exception):
    """The request contradicts the current state of the data (the API answers 409).

    ``code`` names the kind of conflict for machines; ``details()`` adds fields to the body.
    """

    code = "conflict"

    def details(self):
        return {}
