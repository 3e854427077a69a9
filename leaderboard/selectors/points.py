"""A person's own points: their ledger entries, standings and totals by day and category."""

import datetime

from django.db.models import Count, F, Sum
from django.db.models.functions import Coalesce, Substr, TruncDate
from django.utils import timezone

from ..models import PointEntry, Reason, Standing


def points_history(*, user, contest=None):
    """The person's ledger entries, newest first, with what they need to be explained."""
    entries = PointEntry.objects.filter(user=user)
    if contest is not None:
        entries = entries.filter(contest=contest)
    return (
        entries.select_related("contest", "category", "demonstration")
        .only(
            "id",
            "points",
            "reason",
            "explanation",
            "created_at",
            "day",
            "contest__name",
            "contest__slug",
            "category__name",
            "category__key",
            "demonstration__public_id",
            "demonstration__author_id",
            "demonstration__instruction_author_id",
        )
        .annotate(instruction_preview=Substr("demonstration__instruction", 1, 120))
        .order_by("-created_at", "-id")
    )


def standings_of(*, user):
    """The person's standings (all-time first, then each contest, newest first)."""
    return list(
        Standing.objects.filter(user=user)
        .select_related("contest")
        .order_by(F("contest_id").asc(nulls_first=True), "-contest__starts_at")
    )


def points_by_day(*, user, contest=None, zone=None):
    """[(date, points that day, running total)] for the person, days in ``zone``."""
    zone = zone or (contest.zone if contest else timezone.get_default_timezone())
    entries = PointEntry.objects.filter(user=user)
    if contest is not None:
        entries = entries.filter(contest=contest)
    rows = (
        entries.annotate(date=TruncDate("created_at", tzinfo=zone))
        .values("date")
        .annotate(points=Coalesce(Sum("points"), 0))
        .order_by("date")
    )
    running = 0
    series = []
    for row in rows:
        running += row["points"]
        series.append((row["date"], row["points"], running))
    return series


def points_by_category(*, user, contest=None):
    entries = PointEntry.objects.filter(user=user).exclude(category=None)
    if contest is not None:
        entries = entries.filter(contest=contest)
    return list(
        entries.values("category__name")
        .annotate(points=Sum("points"), entries=Count("id"))
        .order_by("-points", "category__name")
    )


STREAK_LOOKBACK_DAYS = 400


def streak(*, user, now=None):
    """Days in a row with an approved demonstration, ending today (or yesterday: today is not over).

    Days are the site's (the all-time board's zone), of the approvals' standard all-time entries.
    """
    zone = timezone.get_default_timezone()
    now = now or timezone.now()
    days = set(
        PointEntry.objects.filter(
            user=user,
            contest=None,
            reason=Reason.APPROVAL,
            created_at__gte=now - datetime.timedelta(days=STREAK_LOOKBACK_DAYS),
        )
        .annotate(local=TruncDate("created_at", tzinfo=zone))
        .order_by()  # the ledger's default order would make DISTINCT keep every entry, not every day
        .values_list("local", flat=True)
        .distinct()
    )
    day = timezone.localtime(now, zone).date()
    if day not in days:
        day -= datetime.timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= datetime.timedelta(days=1)
    return count
