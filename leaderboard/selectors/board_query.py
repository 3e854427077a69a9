"""Which board a request asks for: scope, window, category and size, read from a query string."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from annotations.models import Category
from core.integers import to_int

SCOPES = ("people", "teams")
WINDOWS = ("contest", "week", "today")
WINDOW_LABELS = {
    "contest": gettext_lazy("Whole contest"),
    "week": gettext_lazy("This week"),
    "today": gettext_lazy("Today"),
}
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass(frozen=True)
class BoardQuery:
    scope: str = "people"
    category: Category | None = None
    window: str = "contest"
    limit: int = DEFAULT_LIMIT

    @property
    def from_standings(self):
        return self.category is None and self.window == "contest"


def parse_board_query(params, *, default_limit=DEFAULT_LIMIT):
    """Read scope, category, window and limit from a query dict; errors name the parameter."""
    errors = {}
    scope = params.get("scope") or "people"
    if scope not in SCOPES:
        errors["scope"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(SCOPES)}
    window = params.get("window") or "contest"
    if window not in WINDOWS:
        errors["window"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(WINDOWS)}
    category = None
    key = params.get("category") or ""
    if key:
        category = Category.objects.filter(key=key).first()
        if category is None:
            errors["category"] = _("Unknown category %(key)r.") % {"key": key[:40]}
    limit = default_limit
    raw = params.get("limit")
    if raw not in (None, ""):
        try:
            limit = to_int(raw, min_value=1, max_value=MAX_LIMIT)
        except ValueError:
            errors["limit"] = _("A whole number from 1 to %(max)s.") % {"max": MAX_LIMIT}
    if errors:
        raise ValidationError(errors)
    return BoardQuery(scope=scope, category=category, window=window, limit=limit)


def window_start(window, *, zone, now=None):
    """When ``window`` began in ``zone``: local midnight today, or Monday 00:00 this week."""
    if window == "contest":
        return None
    today = timezone.localtime(now or timezone.now(), zone).date()
    if window == "week":
        today -= datetime.timedelta(days=today.weekday())
    return datetime.datetime.combine(today, datetime.time.min, tzinfo=zone)
