"""What else must happen when a review changes a demonstration's standing (see ``core.hooks``).

The review services call these explicitly, inside their transaction, with the demonstration
row locked and its new status already saved, so the consequence commits or rolls back with
the decision.  Each receiver must be safe to call twice for the same event.  Leaderboard
connects its points in its ``AppConfig.ready()``:

- ``approval_granted(demonstration, *, review)``: ``demonstration`` has just become approved;
  ``review`` is the decision that completed it.
- ``approval_reversed(demonstration, *, actor)``: an approved ``demonstration`` went back to
  review; undo what its approval earned.
- ``review_recorded(review)``: a reviewer's decision was stored (including partial ones in a
  double review).

And the contests the queue can be narrowed to:

- ``queue_contest_choices(limit)``: ``[(slug, name), ...]``, newest first (none by default).
- ``queue_contest_filter(slug)``: a ``Q`` on demonstrations for what contest ``slug`` counts,
  or ``None`` if there is no such contest.
"""

from core.hooks import Hook, Provider

approval_granted = Hook("review.approval_granted")
approval_reversed = Hook("review.approval_reversed")
review_recorded = Hook("review.review_recorded")

queue_contest_choices = Provider("review.queue_contest_choices", default=lambda limit: [])
queue_contest_filter = Provider("review.queue_contest_filter", default=lambda slug: None)
