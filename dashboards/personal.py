"""A contributor's own dashboard: their counts, their categories, their points."""

import pandas as pd
from django.utils import formats
from django.utils.translation import gettext as _

from annotations.models import Status
from leaderboard.selectors import points_by_day

from . import reports, selectors


def own_summary(*, user):
    frame = pd.DataFrame(selectors.own_status_by_category(user=user), columns=["key", "status", "n"])
    totals = frame.groupby("status")["n"].sum()
    counts = {status: int(totals.get(status, 0)) for status, _label in Status.choices}
    decided = counts[Status.APPROVED] + counts[Status.REJECTED]
    return {
        "counts": [(status, label, counts[status]) for status, label in Status.choices],
        "total": sum(counts.values()),
        "acceptance": reports.percent_of(counts[Status.APPROVED], decided),
        "decided": decided,
    }


def own_by_category(*, user):
    names = reports.category_names()
    frame = pd.DataFrame(selectors.own_status_by_category(user=user), columns=["key", "status", "n"])
    table = frame.pivot_table(index="key", columns="status", values="n", aggfunc="sum", fill_value=0)
    keys = [key for key in names if key in table.index]
    statuses = [(status, label) for status, label in Status.choices]
    table = table.reindex(index=keys, columns=[s for s, _label in statuses], fill_value=0).fillna(0).astype(int)
    return reports.chart_report(
        "mine-categories",
        _("Your demonstrations per category"),
        description=_("Each category's demonstrations of yours, by status."),
        horizontal=True,
        stacked=True,
        labels=[names[key] for key in keys],
        x_title=_("Demonstrations"),
        datasets=[{"label": label, "data": table[status].tolist()} for status, label in statuses],
        columns=[_("Category"), *(label for _status, label in statuses)],
        rows=[[names[key], *table.loc[key].tolist()] for key in keys],
    )


def own_points(*, user):
    series = points_by_day(user=user)
    labels = [formats.date_format(day, "SHORT_DATE_FORMAT") for day, _points, _total in series]
    return reports.chart_report(
        "mine-points",
        _("Your points over time"),
        description=_(
            "Running total of your points, all time: the standard points of every approval and every contest's, by day."
        ),
        kind="line",
        labels=labels,
        x_title=_("Day"),
        y_title=_("Points"),
        datasets=[{"label": _("Points (running total)"), "data": [total for _day, _points, total in series]}],
        columns=[_("Day"), _("Points that day"), _("Running total")],
        rows=[[label, points, total] for label, (_day, points, total) in zip(labels, series, strict=True)],
    )


PERSONAL_CHARTS = {
    "mine-categories": own_by_category,
    "mine-points": own_points,
}


def personal_chart(chart_id, *, user):
    builder = PERSONAL_CHARTS.get(chart_id)
    return builder(user=user) if builder else None
