"""The row a decision is stored in."""

from django.utils import timezone

from annotations.models import Review


def review_row_write(*, demonstration, reviewer, **decision):
    """Store ``reviewer``'s decision in the demonstration's current round.

    A decision the reviewer withdrew in this round (undo) is replaced in its own row, so the
    review is counted, and paid, once however often it was taken back.
    """
    withdrawn = (
        Review.all_objects.filter(demonstration=demonstration, round=demonstration.review_round, reviewer=reviewer)
        .exclude(withdrawn_at=None)
        .first()
    )
    fields = {**decision, "demonstration_version": demonstration.version}
    if withdrawn is None:
        return Review.objects.create(
            demonstration=demonstration, reviewer=reviewer, round=demonstration.review_round, **fields
        )
    for name, value in fields.items():
        setattr(withdrawn, name, value)
    withdrawn.withdrawn_at = None
    withdrawn.created_at = timezone.now()
    withdrawn.save()
    return withdrawn
