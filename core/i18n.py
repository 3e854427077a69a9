"""Punctuation that differs between the site's languages."""

from django.utils.translation import pgettext


def colon():
    """The colon between a label and its value as the reader's language writes it: ": " in
    English, a non-breaking space before it in French (" : ")."""
    return pgettext("between a label and its value", ": ")
