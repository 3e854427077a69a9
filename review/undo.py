"""Undoing a decision a reviewer has just made: a key pressed too fast must cost nothing.

For ``DOLLY_REVIEW_UNDO_SECONDS`` after deciding, the reviewer who decided may take the
decision back.  The demonstration returns to the queue (held for that reviewer), what an
approval earned is reversed in the points ledger (``hooks.approval_reversed``: an opposite
entry, never a deletion), the contributor is told, and an audit entry keeps the withdrawn
decision.  Nothing is undone once someone else has acted on the demonstration since.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from annotations.exceptions import TransitionNotAllowed
from annotations.models import AuditEntry, Review, Status
from annotations.services import audit_entry_create, demonstration_state

from . import hooks, selectors
from .claims import _take_claim
from .services import _lock, _move, _tell_people


class UndoNotAllowed(TransitionNotAllowed):
    code = "undo_not_allowed"


def undo_window():
    return timedelta(seconds=settings.DOLLY_REVIEW_UNDO_SECONDS)


def undo_deadline(review):
    return review.created_at + undo_window()


def check_undoable(*, review, current, reviewer, now):
    """Raise unless ``reviewer`` may still take ``review`` back; ``current`` is the locked demonstration."""
    if review.reviewer_id != reviewer.pk:
        raise PermissionDenied(_("Only the reviewer who made a decision can undo it."))
    if review.withdrawn_at is not None:
        raise UndoNotAllowed(_("This decision was already undone."))
    if now > undo_deadline(review):
        raise UndoNotAllowed(_("It is too late to undo this decision; ask an admin to reopen the demonstration."))
    later = Review.objects.filter(demonstration=current, created_at__gt=review.created_at).exclude(pk=review.pk)
    decided_round = current.status == Status.SUBMITTED or current.version == review.demonstration_version + 1
    if review.round != current.review_round or later.exists() or not decided_round:
        raise UndoNotAllowed(_("The demonstration changed after your decision, so it cannot be undone."))


@transaction.atomic
def review_undo(*, review, reviewer, now=None):
    """Withdraw ``reviewer``'s decision ``review`` and put the demonstration back in review.

    Raises ``PermissionDenied`` for someone else's decision and ``UndoNotAllowed`` when it is
    too late or the demonstration moved on; nothing changes then.  Returns the demonstration.
    """
    now = now or timezone.now()
    selectors.check_can_review(reviewer)
    current = _lock(review.demonstration)
    review = Review.all_objects.select_for_update().get(pk=review.pk)
    check_undoable(review=review, current=current, reviewer=reviewer, now=now)
    before = demonstration_state(current)
    was = current.status
    review.withdrawn_at = now
    review.save(update_fields=["withdrawn_at"])
    if was != Status.SUBMITTED:
        _move(current, Status.SUBMITTED)
        _tell_people(
            current,
            _("The decision on your demonstration “%(title)s” was withdrawn; it is waiting for review again.")
            % {"title": current.instruction[:60]},
        )
    _take_claim(current.pk, reviewer, now)
    audit_entry_create(
        actor=reviewer,
        action=AuditEntry.Action.UNDO,
        demonstration=current,
        before=before,
        after={
            **demonstration_state(current),
            "review": review.pk,
            "decision": review.decision,
            "reason": review.reason,
        },
    )
    if was == Status.APPROVED:
        hooks.approval_reversed(current, actor=reviewer)
    return current
