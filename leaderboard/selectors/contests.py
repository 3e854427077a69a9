"""Contests: lists, one contest, its progress per category."""

from decimal import Decimal, InvalidOperation

from django.http import Http404
from django.utils import timezone

from ..models import CategoryProgress, Contest


def contests_by_status(*, now=None):
    """Running, upcoming and ended contests (each list ordered for display)."""
    now = now or timezone.now()
    contests = list(Contest.objects.order_by("starts_at", "id"))
    running = [c for c in contests if c.status_at(now) == "running"]
    upcoming = [c for c in contests if c.status_at(now) == "upcoming"]
    ended = sorted((c for c in contests if c.status_at(now) == "ended"), key=lambda c: c.ends_at, reverse=True)
    return {"running": running, "upcoming": upcoming, "ended": ended}


def contest_list():
    return Contest.objects.prefetch_related("categories").order_by("-starts_at", "id")


def access_contest(*, slug, with_categories=True):
    """The contest (with its categories prefetched unless told not to); 404 if there is none by that slug."""
    contests = contest_list() if with_categories else Contest.objects.all()
    contest = contests.filter(slug=slug).first()
    if contest is None:
        raise Http404("No such contest.")
    return contest


def category_progress(contest):
    """Per eligible category: approved count, target, share of the target (0-100, capped)."""
    counts = dict(CategoryProgress.objects.filter(contest=contest).values_list("category_id", "approved"))
    targets = contest.category_targets or {}
    rows = []
    for category in sorted(contest.categories.all(), key=lambda c: (c.position, c.key)):
        approved = max(counts.get(category.pk, 0), 0)
        target = targets.get(category.key)
        percent = min(100, round(100 * approved / target)) if target else None
        rows.append({"category": category, "approved": approved, "target": target, "percent": percent})
    return rows


def rules_in_words(contest, categories=None):
    """A contest's rules as contributors read them: category names, not keys.

    ``categories``: the contest's, when it is not saved yet (a preview).
    """
    categories = contest.categories.all() if categories is None else categories
    names = {category.key: category.name for category in categories}
    return {
        "contest": contest,
        "multipliers": [
            (names.get(key, key), _number(value)) for key, value in sorted(contest.category_multipliers.items())
        ],
    }


def _number(value):
    """A multiplier as a number, so a page shows it the reader's way (1,5 in French); as stored otherwise."""
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return value
