"""Which category to write next: the one an approved demonstration earns most for right now.

What each category earns is leaderboard's (``leaderboard.selectors.earnings``), so the
suggestion follows the contests' targets.  With no contest running, the category with the
fewest submitted and approved demonstrations is the one the dataset needs most.
"""

from annotations.models import Category
from leaderboard.selectors.earnings import CategoryValue, category_values, running_contests

from . import selectors


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


__all__ = ["CategoryValue", "category_values", "running_contests", "suggest_next_category"]
