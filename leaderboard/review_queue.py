"""What leaderboard tells the review queue about contests (connected in ``apps.py``)."""

from .models import Contest


def queue_contest_choices(limit):
    """``(slug, name)`` of the ``limit`` newest contests."""
    return list(Contest.objects.order_by("-starts_at", "id").values_list("slug", "name")[:limit])


def queue_contest_filter(slug):
    """What contest ``slug`` counts, as a ``Q`` on demonstrations, or ``None`` if there is no such contest."""
    contest = Contest.objects.filter(slug=slug).prefetch_related("categories").first()
    if contest is None:
        return None
    return contest.counts()
