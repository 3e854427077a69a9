"""Which category to write next: the one an approved demonstration earns most for right now.

While contests run, an approved demonstration of a category is worth what the contest's rules
give it today (base points, the category multiplier and the balance bonus of categories short
of their target), so the suggestion follows the contests' targets.  With no contest running,
the category with the fewest submitted and approved demonstrations is the one the dataset
needs most.
"""

from dataclasses import dataclass

from django.utils import timezone

from annotations.models import Category
from leaderboard.models import CategoryProgress, Contest
from leaderboard.scoring import Rules, score_approval

from . import selectors


@dataclass(frozen=True)
class CategoryValue:
    category: Category
    points: int | None = None
    contest: Contest | None = None
    approved: int = 0
    target: int | None = None
    count: int = 0

    @property
    def percent_of_target(self):
        return min(100, round(100 * self.approved / self.target)) if self.target else None


def running_contests(*, now=None):
    now = now or timezone.now()
    return list(Contest.objects.running(now).prefetch_related("categories").order_by("ends_at"))


def category_values(*, now=None):
    """What one approved demonstration earns now, per active category, best first.

    Each category is valued by the running contest that pays most for it.  Empty when no
    contest is running.
    """
    contests = running_contests(now=now)
    if not contests:
        return []
    progress = {
        (row["contest_id"], row["category_id"]): row["approved"]
        for row in CategoryProgress.objects.filter(contest__in=contests).values("contest_id", "category_id", "approved")
    }
    best = {}
    for contest in contests:
        rules = Rules.of(contest)
        for category in contest.categories.all():
            if not category.is_active:
                continue
            approved = max(progress.get((contest.pk, category.pk), 0), 0)
            points = score_approval(rules, category_key=category.key, approved_before=approved).points
            value = CategoryValue(
                category=category,
                points=points,
                contest=contest,
                approved=approved,
                target=rules.target_for(category.key),
            )
            current = best.get(category.pk)
            if current is None or value.points > current.points:
                best[category.pk] = value
    return sorted(best.values(), key=lambda v: (-v.points, _fill(v), v.category.position, v.category.key))


def _fill(value):
    return value.approved / value.target if value.target else 1.0


def suggest_next_category(*, now=None):
    """The ``CategoryValue`` to propose after a submission, or None when no category is open."""
    values = category_values(now=now)
    if values:
        return values[0]
    counts = selectors.submitted_or_approved_by_category()
    categories = list(Category.objects.filter(is_active=True))
    if not categories:
        return None
    category = min(categories, key=lambda c: (counts.get(c.pk, 0), c.position, c.key))
    return CategoryValue(category=category, count=counts.get(category.pk, 0))
