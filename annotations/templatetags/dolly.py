import functools

import markdown as markdown_lib
import nh3
from django import template
from django.utils.safestring import mark_safe

from annotations.models import Status
from core.i18n import colon as _colon

register = template.Library()

_ALLOWED_TAGS = {
    "p",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "a",
    "br",
    "h3",
    "h4",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "hr",
}


@functools.lru_cache(maxsize=256)
def _sanitised_html(text):
    # The same text always gives the same HTML: the category guidelines shown on every writing and
    # review page are converted once per process, not on each page view.
    html = markdown_lib.markdown(text, extensions=["tables", "sane_lists"])
    return nh3.clean(
        html, tags=_ALLOWED_TAGS, url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow"
    )


@register.filter
def markdown(text):
    """Render Markdown written by admins, sanitised: no raw HTML, scripts or unsafe links survive."""
    return mark_safe(_sanitised_html(str(text or "")))  # noqa: S308 - sanitised by nh3 in _sanitised_html


@register.filter
def nowrap(value):
    """A date, time or number kept on one line: its spaces become non-breaking ones."""
    return str(value).replace(" ", "\u00a0")


@register.filter
def startswith(value, prefix):
    return str(value).startswith(str(prefix))


@register.filter
def status_labels(keys):
    """Review status keys (``["approved", "submitted"]``) as their labels in the active language."""
    labels = dict(Status.choices)
    return [str(labels.get(key, key)) for key in keys or ()]


@register.simple_tag
def colon():
    """``{% colon %}``: the colon between a label and its value, spaced for the reader's language."""
    return _colon()
