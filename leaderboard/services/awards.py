"""Points for approvals and reviews, and their reversal: the ledger writes a review decision causes.

The review services call ``on_demonstration_approved``, ``on_approval_reversed`` and
``on_review_recorded`` inside the transaction that changes the demonstration, so an approval
and its points commit or roll back together.  Every approval earns all-time points under the
standard rules, whether or not a contest runs; each contest it counts for adds its own on top.
"""

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from .. import scoring
from ..models import Contest, PointEntry, Reason
from .context import read_context
from .totals import apply_entry, local_day, serialise_ledger_writers

AWARD_REASONS = (Reason.APPROVAL, Reason.APPROVAL_REVERSED)


def write_entry(*, contest, person, reason, score, day, at=None, counted=0, **links):
    """Insert one ledger entry and carry it over to the running totals (caller holds the writer lock).

    ``links``: ``demonstration_id``, ``review_id``, ``category_id``, ``sequence``.
    """
    entry = PointEntry.objects.create(
        contest=contest,
        user_id=person.user_id,
        reason=reason,
        points=score.points,
        explanation=score.explanation,
        day=day,
        counted=counted,
        created_at=at or timezone.now(),
        **links,
    )
    apply_entry(contest, person, entry.points, entry.created_at, counted=counted, category_id=entry.category_id)
    return entry


def answered_open_instruction(demonstration):
    """True when the response author answered an instruction somebody else wrote."""
    instruction_author_id = getattr(demonstration, "instruction_author_id", None)
    return instruction_author_id is not None and instruction_author_id != demonstration.author_id


def award_demonstration(*, contest, demonstration, review=None, counted_late=False):
    """Award ``demonstration`` on ``contest``'s board (None: all time) unless it already holds an award there.

    Precondition: inside a transaction holding the ledger writer lock, the demonstration row
    locked by the caller and approved.  ``counted_late``: approved before the contest existed.
    Returns the new entry, or None when there was nothing to do.
    """
    rules = scoring.Rules.of(contest) if contest is not None else scoring.STANDARD_RULES
    day = local_day(contest, demonstration.submitted_at)
    context = read_context(
        contest,
        demonstration.author_id,
        category_id=demonstration.category_id,
        demonstration_id=demonstration.pk,
        day=day,
    )
    if context.awarded:
        return None
    score = scoring.score_approval(
        rules,
        category_key=demonstration.category.key,
        approved_before=context.approved or 0,
        rating=getattr(review, "rating", None),
        answered_open_instruction=answered_open_instruction(demonstration),
        used_today=context.used,
        duplicate_of=context.duplicate_flag,
        disqualified=context.person.disqualified,
        counted_late=counted_late,
    )
    return write_entry(
        contest=contest,
        person=context.person,
        reason=Reason.APPROVAL,
        score=score,
        day=day,
        demonstration_id=demonstration.pk,
        category_id=demonstration.category_id,
        sequence=context.awards + 1,
        counted=1 if contest is not None else 0,
    )


@transaction.atomic(savepoint=False)
def on_demonstration_approved(demonstration, review=None):
    """Award all-time points and points in every contest the demonstration counts for.

    Call inside the approval's transaction, with the demonstration row locked and its status
    already approved; ``review`` (the approving review) supplies the quality rating.  Calling
    it twice for the same approval awards nothing the second time.  Returns the new entries.
    """
    if demonstration.submitted_at is None:
        return []
    contests = list(
        Contest.objects.counting(category_id=demonstration.category_id, at=demonstration.submitted_at).order_by("id")
    )
    serialise_ledger_writers()
    entries = []
    for contest in [None, *contests]:
        entry = award_demonstration(contest=contest, demonstration=demonstration, review=review)
        if entry is not None:
            entries.append(entry)
    return entries


def _still_awarded(demonstration):
    """The boards (contest ids, None for all time) where the demonstration holds more awards than reversals."""
    return list(
        PointEntry.objects.filter(demonstration_id=demonstration.pk, review_id=None, reason__in=AWARD_REASONS)
        .values("contest_id")
        .annotate(
            awards=Count("id", filter=Q(reason=Reason.APPROVAL)),
            reversals=Count("id", filter=Q(reason=Reason.APPROVAL_REVERSED)),
        )
        .filter(awards__gt=F("reversals"))
        .order_by(F("contest_id").asc(nulls_first=True))
        .values_list("contest_id", flat=True)
    )


@transaction.atomic(savepoint=False)
def on_approval_reversed(demonstration):
    """Write the opposite of every award the demonstration still holds (reopened or later rejected).

    Same preconditions as ``on_demonstration_approved``; calling it when nothing is awarded
    writes nothing.  Returns the new entries.
    """
    boards = _still_awarded(demonstration)
    if not boards:
        return []
    contests = Contest.objects.in_bulk([board for board in boards if board is not None])
    serialise_ledger_writers()
    entries = []
    for board in boards:
        contest = contests[board] if board is not None else None
        last_award = (
            PointEntry.objects.filter(contest=contest, demonstration_id=demonstration.pk, reason=Reason.APPROVAL)
            .order_by("-sequence")
            .values("category_id", "day")
            .first()
        )
        context = read_context(
            contest, demonstration.author_id, category_id=last_award["category_id"], demonstration_id=demonstration.pk
        )
        if not context.awarded:
            continue
        score = scoring.score_reversal(net_points=context.net_points, cause=Reason.APPROVAL_REVERSED)
        entries.append(
            write_entry(
                contest=contest,
                person=context.person,
                reason=Reason.APPROVAL_REVERSED,
                score=score,
                day=last_award["day"],
                demonstration_id=demonstration.pk,
                category_id=last_award["category_id"],
                sequence=context.reversals + 1,
                counted=-1 if contest is not None else 0,
            )
        )
    return entries


@transaction.atomic(savepoint=False)
def on_review_recorded(review):
    """Pay the reviewer in every contest that pays for reviews of this demonstration's category.

    A contest pays for reviews made while it runs.  Call inside the review's transaction;
    a second call for the same review writes nothing.  Returns the new entries.
    """
    demonstration = review.demonstration
    contests = list(
        Contest.objects.counting(category_id=demonstration.category_id, at=review.created_at)
        .filter(review_points__gt=0)
        .order_by("id")
    )
    if contests:
        serialise_ledger_writers()
    entries = []
    for contest in contests:
        day = local_day(contest, review.created_at)
        context = read_context(contest, review.reviewer_id, review_id=review.pk, day=day)
        if context.review_paid:
            continue
        score = scoring.score_review(
            scoring.Rules.of(contest), used_today=context.used, disqualified=context.person.disqualified
        )
        entries.append(
            write_entry(
                contest=contest,
                person=context.person,
                reason=Reason.REVIEW,
                score=score,
                day=day,
                demonstration_id=demonstration.pk,
                review_id=review.pk,
                category_id=demonstration.category_id,
            )
        )
    return entries
