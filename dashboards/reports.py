"""The admin dashboard's reports: SQL aggregates (``selectors``) shaped with pandas.

A contributor's own dashboard is in ``personal``, drawn with the same ``chart_report``.

Every chart report is a plain dict that serves both the JSON endpoint the page's script
draws from and the table printed under each chart (the fallback without script, and for
screen readers)::

    {"id", "title", "description", "kind": "bar" | "line", "stacked", "horizontal", "percent",
     "labels": [...], "datasets": [{"label", "data"}], "x_title", "y_title",
     "table": {"columns": [...], "rows": [[label, value, ...], ...]}}
"""

import datetime
import itertools

import pandas as pd
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from annotations.models import Category, Status
from leaderboard.selectors import category_progress

from . import selectors, suggestions

WINDOWS = (7, 30, 90, 365)
DEFAULT_WINDOW = 30
FUNNEL_STEPS = ("written", "submitted", "approved")


def category_names():
    return {category.key: category.name for category in Category.objects.order_by("position", "key")}


def chart_report(
    id,
    title,
    *,
    description="",
    kind="bar",
    labels=(),
    datasets=(),
    x_title="",
    y_title="",
    stacked=False,
    horizontal=False,
    percent=False,
    columns=(),
    rows=(),
):
    return {
        "id": id,
        "title": str(title),
        "description": str(description),
        "kind": kind,
        "stacked": stacked,
        "horizontal": horizontal,
        "percent": percent,
        "labels": [str(label) for label in labels],
        "datasets": [{"label": str(d["label"]), "data": [_number(v) for v in d["data"]]} for d in datasets],
        "x_title": str(x_title),
        "y_title": str(y_title),
        "table": {"columns": [str(c) for c in columns], "rows": [[_number(v) for v in row] for row in rows]},
    }


def _number(value):
    """Plain Python numbers for JSON (pandas hands out numpy scalars); NaN becomes None."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        if value != value:
            return None
        return round(value, 1)
    return value


def percent_of(part, whole):
    return round(100 * part / whole, 1) if whole else None


def window_start(days, *, now=None):
    """The first moment of the window of ``days`` days ending today (in the server's time zone)."""
    now = timezone.localtime(now or timezone.now())
    first_day = now.date() - datetime.timedelta(days=days - 1)
    return timezone.make_aware(datetime.datetime.combine(first_day, datetime.time.min)), now.date()


def written_per_day(*, days, now=None):
    since, today = window_start(days, now=now)
    names = category_names()
    rows = selectors.written_per_day(since=since, zone=timezone.get_current_timezone())
    all_days = [since.date() + datetime.timedelta(days=i) for i in range((today - since.date()).days + 1)]
    frame = pd.DataFrame(rows, columns=["day", "key", "n"])
    table = frame.pivot_table(index="day", columns="key", values="n", aggfunc="sum", fill_value=0).reindex(
        index=all_days, fill_value=0
    )
    keys = [key for key in names if key in table.columns and table[key].sum() > 0]
    table = table.reindex(columns=keys, fill_value=0).fillna(0).astype(int)
    labels = [formats.date_format(day, "SHORT_DATE_FORMAT") for day in all_days]
    return chart_report(
        "per-day",
        _("Demonstrations written per day"),
        description=_("New demonstrations per day and category over the last %(days)s days.") % {"days": days},
        labels=labels,
        stacked=True,
        x_title=_("Day"),
        y_title=_("Demonstrations"),
        datasets=[{"label": names[key], "data": table[key].tolist()} for key in keys],
        columns=[_("Day"), *(names[key] for key in keys), _("Total")],
        rows=[
            [label, *table.loc[day].tolist(), int(table.loc[day].sum())]
            for label, day in zip(labels, all_days, strict=True)
        ],
    )


def _status_frame():
    frame = pd.DataFrame(selectors.status_by_category(), columns=["key", "status", "n"])
    return frame.pivot_table(index="key", columns="status", values="n", aggfunc="sum", fill_value=0).reindex(
        columns=[status for status, _label in Status.choices],
        fill_value=0,
    )


def status_funnel():
    totals = _status_frame().sum()
    submitted_statuses = [Status.SUBMITTED, Status.APPROVED, Status.REJECTED, Status.CHANGES_REQUESTED]
    counts = {
        "written": int(totals.sum()),
        "submitted": int(totals[submitted_statuses].sum()),
        "approved": int(totals[Status.APPROVED]),
    }
    labels = {"written": _("Written"), "submitted": _("Submitted"), "approved": _("Approved")}
    return chart_report(
        "funnel",
        _("From written to approved"),
        description=_("Every demonstration written, those sent to review (at least once), and those approved."),
        horizontal=True,
        labels=[labels[step] for step in FUNNEL_STEPS],
        x_title=_("Demonstrations"),
        datasets=[{"label": _("Demonstrations"), "data": [counts[step] for step in FUNNEL_STEPS]}],
        columns=[_("Step"), _("Demonstrations"), _("Share of written (%)")],
        rows=[[labels[step], counts[step], percent_of(counts[step], counts["written"])] for step in FUNNEL_STEPS],
    )


def acceptance_by_category():
    names = category_names()
    frame = _status_frame().reindex(index=list(names), fill_value=0)
    decided = frame[Status.APPROVED] + frame[Status.REJECTED]
    rates = [percent_of(a, d) for a, d in zip(frame[Status.APPROVED], decided, strict=True)]
    labels = [names[key] for key in frame.index]
    return chart_report(
        "acceptance-category",
        _("Acceptance rate per category"),
        description=_("Approved among the demonstrations approved or rejected, per category."),
        labels=labels,
        percent=True,
        y_title=_("Accepted (%)"),
        datasets=[{"label": _("Accepted (%)"), "data": rates}],
        columns=[_("Category"), _("Approved"), _("Rejected"), _("Changes requested"), _("Waiting"), _("Accepted (%)")],
        rows=[
            [
                label,
                frame.loc[key, Status.APPROVED],
                frame.loc[key, Status.REJECTED],
                frame.loc[key, Status.CHANGES_REQUESTED],
                frame.loc[key, Status.SUBMITTED],
                rate,
            ]
            for label, key, rate in zip(labels, frame.index, rates, strict=True)
        ],
    )


def acceptance_by_reviewer(*, days, now=None):
    since, _today = window_start(days, now=now)
    frame = pd.DataFrame(selectors.decisions_by_reviewer(since=since), columns=["reviewer_name", "decision", "n"])
    table = frame.pivot_table(index="reviewer_name", columns="decision", values="n", aggfunc="sum", fill_value=0)
    table = table.reindex(columns=["approve", "reject", "request_changes"], fill_value=0).fillna(0).astype(int)
    table["total"] = table.sum(axis=1)
    table = table.sort_values(["total"], ascending=False, kind="stable")
    rates = [percent_of(a, t) for a, t in zip(table["approve"], table["total"], strict=True)]
    labels = list(table.index)
    return chart_report(
        "acceptance-reviewer",
        _("Decisions per reviewer"),
        description=_("What each reviewer decided over the last %(days)s days.") % {"days": days},
        labels=labels,
        stacked=True,
        horizontal=True,
        x_title=_("Reviews"),
        datasets=[
            {"label": _("Approve"), "data": table["approve"].tolist()},
            {"label": _("Request changes"), "data": table["request_changes"].tolist()},
            {"label": _("Reject"), "data": table["reject"].tolist()},
        ],
        columns=[_("Reviewer"), _("Approve"), _("Request changes"), _("Reject"), _("Total"), _("Approved (%)")],
        rows=[
            [label, *table.loc[label, ["approve", "request_changes", "reject", "total"]].tolist(), rate]
            for label, rate in zip(labels, rates, strict=True)
        ],
    )


def duration_text(hours):
    """A waiting time as people say it: minutes under an hour, hours under two days, then days."""
    if hours is None:
        return "—"
    if hours < 1:
        minutes = round(hours * 60)
        return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes}
    if hours < 48:
        return _("%(n)s h") % {"n": formats.number_format(hours, 1)}
    return _("%(n)s days") % {"n": formats.number_format(hours / 24, 1)}


def review_summary(*, days, now=None):
    """Backlog and time to a decision: numbers in hours, and the same as text."""
    now = now or timezone.now()
    since, _today = window_start(days, now=now)
    backlog = selectors.review_backlog()
    durations = pd.Series(selectors.review_durations(since=since), dtype="float64") / 3600
    oldest = backlog["oldest"]
    summary = {
        "waiting": backlog["waiting"],
        "oldest_hours": round((now - oldest).total_seconds() / 3600, 1) if oldest else None,
        "reviews": int(durations.count()),
        "median_hours": _number(durations.median()) if len(durations) else None,
        "p90_hours": _number(durations.quantile(0.9)) if len(durations) else None,
    }
    for key in ("oldest", "median", "p90"):
        summary[f"{key}_text"] = duration_text(summary[f"{key}_hours"])
    return summary


def length_distribution():
    names = category_names()
    bounds = selectors.LENGTH_BUCKETS
    bucket_labels = [_("under %(n)s") % {"n": formats.number_format(bounds[0])}]
    bucket_labels += [
        f"{formats.number_format(low)}–{formats.number_format(high - 1)}" for low, high in itertools.pairwise(bounds)
    ]
    bucket_labels.append(_("%(n)s or more") % {"n": formats.number_format(bounds[-1])})
    frame = pd.DataFrame(selectors.response_length_buckets(), columns=["key", "bucket", "n"])
    counts = frame.pivot_table(index="key", columns="bucket", values="n", aggfunc="sum", fill_value=0)
    keys = [key for key in names if key in counts.index]
    counts = counts.reindex(index=keys, columns=range(len(bucket_labels)), fill_value=0).fillna(0).astype(int)
    shares = counts.div(counts.sum(axis=1).where(lambda s: s > 0), axis=0).mul(100).round(1)
    means = {row["key"]: row for row in selectors.mean_lengths()}
    labels = [names[key] for key in keys]
    return chart_report(
        "lengths",
        _("Response length per category"),
        description=_("Share of the submitted demonstrations of each category by response length, in characters."),
        labels=labels,
        stacked=True,
        percent=True,
        y_title=_("Share (%)"),
        datasets=[{"label": bucket_labels[i], "data": shares[i].tolist()} for i in range(len(bucket_labels))],
        columns=[_("Category"), *bucket_labels, _("Mean instruction"), _("Mean reference text"), _("Mean response")],
        rows=[
            [
                names[key],
                *counts.loc[key].tolist(),
                means.get(key, {}).get("instruction"),
                means.get(key, {}).get("context"),
                means.get(key, {}).get("response"),
            ]
            for key in keys
        ],
    )


def _approved_and_submitted(chart_id, title, *, description, rows, name, columns, last):
    """Horizontal bars per row (``row[name]``): approved and submitted; ``last(row)`` ends each table row."""
    return chart_report(
        chart_id,
        title,
        description=description,
        horizontal=True,
        labels=[row[name] for row in rows],
        x_title=_("Demonstrations"),
        datasets=[
            {"label": _("Approved"), "data": [row["approved"] for row in rows]},
            {"label": _("Submitted"), "data": [row["submitted"] for row in rows]},
        ],
        columns=columns,
        rows=[[row[name], row["approved"], row["submitted"], last(row)] for row in rows],
    )


def top_contributors(*, limit=10):
    return _approved_and_submitted(
        "contributors",
        _("Top contributors"),
        description=_("The people with the most approved demonstrations."),
        rows=selectors.top_contributors(limit=limit),
        name="author_name",
        columns=[_("Contributor"), _("Approved"), _("Submitted"), _("Accepted (%)")],
        last=lambda row: percent_of(row["approved"], row["submitted"]),
    )


def top_teams(*, limit=10):
    return _approved_and_submitted(
        "teams",
        _("Top teams"),
        description=_("Teams by approved demonstrations (a person's team is set by an admin)."),
        rows=selectors.top_teams(limit=limit),
        name="team",
        columns=[_("Team"), _("Approved"), _("Submitted"), _("People")],
        last=lambda row: row["people"],
    )


def contest_progress(*, now=None):
    """One chart per running contest with targets: approved demonstrations against each target."""
    charts = []
    for contest in suggestions.running_contests(now=now):
        rows = [row for row in category_progress(contest) if row["target"]]
        if not rows:
            continue
        labels = [row["category"].name for row in rows]
        charts.append(
            chart_report(
                f"contest-{contest.slug}",
                _("Progress of %(contest)s") % {"contest": contest.name},
                description=_("Approved demonstrations against each category's target."),
                horizontal=True,
                percent=True,
                labels=labels,
                x_title=_("Share of the target (%)"),
                datasets=[{"label": _("Share of the target (%)"), "data": [row["percent"] for row in rows]}],
                columns=[_("Category"), _("Approved"), _("Target"), _("Share of the target (%)")],
                rows=[
                    [label, row["approved"], row["target"], row["percent"]]
                    for label, row in zip(labels, rows, strict=True)
                ],
            )
        )
    return charts


ADMIN_CHARTS = {
    "per-day": lambda days: written_per_day(days=days),
    "funnel": lambda days: status_funnel(),
    "acceptance-category": lambda days: acceptance_by_category(),
    "acceptance-reviewer": lambda days: acceptance_by_reviewer(days=days),
    "lengths": lambda days: length_distribution(),
    "contributors": lambda days: top_contributors(),
    "teams": lambda days: top_teams(),
}


def admin_chart(chart_id, *, days):
    if chart_id in ADMIN_CHARTS:
        return ADMIN_CHARTS[chart_id](days)
    for chart in contest_progress():
        if chart["id"] == chart_id:
            return chart
    return None
