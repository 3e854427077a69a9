"""The figures of the points chart and the contest progress chart, for the site's one chart stack.

Each function returns the JSON-ready description ``static/js/charts.js`` draws with the vendored
Chart.js (the format the dashboards' endpoints return): numbers stay numbers, so no locale's
decimal comma ever reaches the drawing.  Every chart also has a table of the same figures in the
page, shown when the chart cannot be drawn.
"""

from django.utils import formats
from django.utils.translation import gettext as _


def points_over_time(series):
    """A step line of the running total; ``series`` is [(date, points that day, running total)]."""
    if not series:
        return None
    return {
        "kind": "line",
        "labels": [formats.date_format(day, "SHORT_DATE_FORMAT") for day, _points, _total in series],
        "datasets": [{"label": _("Points (running total)"), "data": [total for _day, _points, total in series]}],
        "x_title": _("Day"),
        "y_title": _("Points"),
    }


def category_bars(progress):
    """Approved demonstrations and the target per category, from ``selectors.category_progress``."""
    if not progress:
        return None
    datasets = [{"label": _("Approved"), "data": [row["approved"] for row in progress]}]
    if any(row["target"] for row in progress):
        datasets.append({"label": _("Target"), "data": [row["target"] for row in progress]})
    return {
        "kind": "bar",
        "horizontal": True,
        "labels": [row["category"].name for row in progress],
        "datasets": datasets,
        "x_title": _("Demonstrations"),
    }
