"""Who holds which submission: claims on the review queue, skips.  Re-exported by ``services``."""

from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from annotations.models import ReviewClaim, ReviewSkip

from . import selectors

CLAIM_ATTEMPTS = 5


def claim_duration():
    return timedelta(minutes=settings.DOLLY_REVIEW_CLAIM_MINUTES)


def _take_claim(demonstration_id, reviewer, now):
    """Hold the demonstration for ``reviewer`` unless another reviewer's claim is still running.

    One atomic statement on both databases: the INSERT takes a free item, and on conflict the
    UPDATE's condition is evaluated on the latest row version (PostgreSQL waits for a
    concurrent claim of the same row to commit first), so two reviewers can never both hold it.
    """
    table = connection.ops.quote_name(ReviewClaim._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (demonstration_id, reviewer_id, expires_at, created_at) VALUES (%s, %s, %s, %s) "  # noqa: S608
            f"ON CONFLICT (demonstration_id) DO UPDATE SET reviewer_id = excluded.reviewer_id, "
            f"expires_at = excluded.expires_at, created_at = excluded.created_at "
            f"WHERE {table}.expires_at <= %s OR {table}.reviewer_id = excluded.reviewer_id RETURNING id",
            [demonstration_id, reviewer.pk, adapt(now + claim_duration()), adapt(now), adapt(now)],
        )
        return cursor.fetchone() is not None


def review_claim_next(*, reviewer, filters=selectors.NO_FILTERS):
    """Hand ``reviewer`` the oldest submission nobody else holds, and hold it for them.

    A reviewer holds one item at a time: their running claim is returned again (with a new
    expiry) while it still matches ``filters``; otherwise it is released.  On PostgreSQL the
    candidate rows are read with ``FOR UPDATE SKIP LOCKED``, so concurrent reviewers step
    over each other's candidates instead of queueing on them; on every database the claim
    itself is taken atomically (``_take_claim``).  Returns the demonstration, or ``None``.

    A claim is soft state (losing one only means an item may be handed out again, and the
    decision is still protected by the row lock and the version), so when this function owns
    the transaction on PostgreSQL it commits without waiting for the WAL flush.
    """
    selectors.check_can_review(reviewer)
    owns_transaction = not connection.in_atomic_block
    with transaction.atomic():
        if owns_transaction and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        return _claim_next(reviewer, filters)


def _claim_next(reviewer, filters):
    now = timezone.now()
    queue = selectors.review_queue(reviewer=reviewer, filters=filters, now=now)
    held_id = selectors.held_claim_id(reviewer=reviewer, now=now)
    if held_id is not None:
        held = queue.filter(pk=held_id).first()
        if held is not None:
            ReviewClaim.objects.filter(demonstration=held, reviewer=reviewer).update(
                expires_at=now + claim_duration(),
            )
            return held
        ReviewClaim.objects.filter(reviewer=reviewer).delete()
    tried = []
    for _attempt in range(CLAIM_ATTEMPTS):
        candidates = queue.exclude(pk__in=tried) if tried else queue
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True, of=("self",))
        candidate = candidates.first()
        if candidate is None:
            return None
        if _take_claim(candidate.pk, reviewer, now):
            return candidate
        tried.append(candidate.pk)
    return None


def review_release(*, demonstration, reviewer):
    """Give back ``reviewer``'s claim on ``demonstration`` (if they hold it)."""
    ReviewClaim.objects.filter(demonstration=demonstration, reviewer=reviewer).delete()


@transaction.atomic
def review_skip(*, demonstration, reviewer):
    """Pass on ``demonstration``: released, and not offered to ``reviewer`` again until it is resubmitted."""
    selectors.check_can_review(reviewer)
    ReviewSkip.objects.get_or_create(reviewer=reviewer, demonstration=demonstration, round=demonstration.review_round)
    review_release(demonstration=demonstration, reviewer=reviewer)


def review_skips_clear(*, reviewer):
    """Put every item ``reviewer`` skipped back in their queue."""
    return ReviewSkip.objects.filter(reviewer=reviewer).delete()[0]
