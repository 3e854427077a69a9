"""Counting the approvals a contest finds already made when it is created or its window changes."""

from django.db import transaction
from django.db.models import Prefetch, Q

from annotations.models import Demonstration, Review, Status

from ..models import Contest, PointEntry, Reason
from .awards import award_demonstration
from .totals import serialise_ledger_writers


def _uncounted(contest):
    """Approved demonstrations ``contest`` (None: all time) counts that hold no award there yet, oldest first."""
    awarded = PointEntry.objects.filter(contest=contest, reason=Reason.APPROVAL).values("demonstration_id")
    counts = contest.counts() if contest is not None else Q(submitted_at__isnull=False)
    return (
        Demonstration.objects.filter(counts, status=Status.APPROVED)
        .exclude(pk__in=awarded)
        .order_by("submitted_at", "id")
        .values_list("pk", flat=True)
    )


def contest_count_earlier_approvals(*, contest, batch_size=500):
    """Award ``contest``'s points for approvals made before it existed (or before its window or categories changed).

    Each is an ordinary approval entry, explained as counted late, so the standings rebuilt
    from the ledger include it.  Batches of ``batch_size`` demonstrations, each in its own
    transaction with the rows locked as a review would lock them; a demonstration reopened
    meanwhile is skipped, one already awarded earns nothing twice.  ``contest`` None awards the
    standard all-time points of approvals that have none (made before they existed).  Returns how
    many were awarded.
    """
    if contest is not None:
        contest = Contest.objects.prefetch_related("categories").get(pk=contest.pk)
    pending = list(_uncounted(contest))
    awarded = 0
    approvals = Review.objects.filter(decision="approve").order_by("-created_at", "-id")
    for start in range(0, len(pending), batch_size):
        with transaction.atomic():
            batch = list(
                Demonstration.objects.select_for_update(of=("self",))
                .select_related("category")
                .prefetch_related(Prefetch("reviews", queryset=approvals, to_attr="approvals"))
                .filter(pk__in=pending[start : start + batch_size], status=Status.APPROVED)
                .order_by("submitted_at", "id")
            )
            serialise_ledger_writers()
            for demonstration in batch:
                review = demonstration.approvals[0] if demonstration.approvals else None
                if award_demonstration(
                    contest=contest, demonstration=demonstration, review=review, counted_late=contest is not None
                ):
                    awarded += 1
    return awarded
