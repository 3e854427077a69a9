"""What else must happen when a review changes a demonstration's standing.

The review services call these explicitly, inside their transaction, with the demonstration
row locked and its new status already saved, so the consequence commits or rolls back with
the decision.  Points for contests belong here: ``approval_granted`` awards them,
``approval_reversed`` writes the opposite entries when an admin reopens an approved record,
``review_recorded`` pays reviewers.  Each must be safe to call twice for the same event.
"""

from leaderboard import services as leaderboard_services


def approval_granted(demonstration, *, review):
    """``demonstration`` has just become approved; ``review`` is the decision that completed it."""
    leaderboard_services.on_demonstration_approved(demonstration, review=review)


def approval_reversed(demonstration, *, actor):
    """An approved ``demonstration`` went back to review; undo what its approval earned."""
    leaderboard_services.on_approval_reversed(demonstration)


def review_recorded(review):
    """A reviewer's decision was stored (including partial ones in a double review)."""
    leaderboard_services.on_review_recorded(review)
