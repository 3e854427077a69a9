"""What one approved demonstration earns right now, per category: the "what earns the most now" of every page.

Every approval earns the standard all-time points; while contests run, an approved
demonstration of a category is also worth what the contest's rules give it today (base points,
the category multiplier and the balance bonus of categories short of their target).
"""

from dataclasses import dataclass

from django.utils import timezone

from annotations.models import Category

from ..models import CategoryProgress, Contest
from ..scoring import Rules, score_approval


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


def category_values(*, now=None, contests=None):
    """What one approved demonstration earns now, per active category, best first.

    Each category is valued by the running contest that pays most for it.  Empty when no
    contest is running.
    """
    contests = running_contests(now=now) if contests is None else contests
    if not contests:
        return []
    with_targets = [contest for contest in contests if contest.category_targets]  # the balance bonus needs them
    progress = {}
    if with_targets:
        rows = CategoryProgress.objects.filter(contest__in=with_targets).values("contest_id", "category_id", "approved")
        progress = {(row["contest_id"], row["category_id"]): row["approved"] for row in rows}
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
