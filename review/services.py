"""Every change of a demonstration's review state: decisions, reopening, reviewer edits (claims: ``claims``).

One public function per transition:

    submitted --review_approve--------> approved        (or stays submitted, waiting for more approvals)
    submitted --review_reject---------> rejected
    submitted --review_request_changes-> changes_requested --(author edits, submits)--> submitted
    approved  --review_reopen---------> submitted       (admins; the approval's consequences are reversed)

Each decision locks the demonstration row, checks the caller's expected version, refuses a
second decision with ``AlreadyDecided``, a submission another reviewer holds by a running claim
with ``HeldByAnotherReviewer`` and a reviewer's own work with ``OwnWork``, writes
the ``Review`` and an ``AuditEntry``, and notifies the contributor.

Double review: a category with ``required_approvals = N > 1`` collects N independent
decisions per round (reviewers do not see each other's); then the round is decided: approved
if all N approved, otherwise changes requested if anyone asked for changes, otherwise
rejected.  Independent decisions are what makes the agreement figures meaningful.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import is_admin
from annotations import services as demonstration_services
from annotations.exceptions import StaleEdit, TransitionNotAllowed
from annotations.models import AuditEntry, Demonstration, QualityFlag, Review, ReviewClaim, Status
from annotations.services import audit_entry_create, demonstration_state
from annotations.validation import TEXT_FIELDS

from . import hooks, selectors
from .claims import claim_duration, review_claim_next, review_release, review_skip, review_skips_clear
from .exceptions import AlreadyDecided, AlreadyReviewed, HeldByAnotherReviewer, NotAReviewer
from .notifications import notify
from .records import review_row_write

__all__ = [
    "check_decision",
    "claim_duration",
    "review_approve",
    "review_claim_next",
    "review_decide",
    "review_edit",
    "review_reject",
    "review_release",
    "review_reopen",
    "review_request_changes",
    "review_skip",
    "review_skips_clear",
]

Decision = Review.Decision
Reason = Review.Reason
MAX_COMMENT_CHARS = 5000

OUTCOME = {
    Decision.APPROVE: Status.APPROVED,
    Decision.REJECT: Status.REJECTED,
    Decision.REQUEST_CHANGES: Status.CHANGES_REQUESTED,
}


# --- decisions ----------------------------------------------------------------------------------


def check_decision(*, decision, reason, comment, rating):
    """Validate a decision's fields; returns them cleaned or raises a field-keyed ``ValidationError``.

    Rejecting and requesting changes need a reason from the fixed list, so the contributor
    knows what to fix; approving needs none (a reason may still be given, e.g. "other" with a
    comment).
    """
    errors = {}
    if decision not in Decision.values:
        errors["decision"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(Decision.values)}
    reason = (reason or "").strip()
    if reason and reason not in Reason.values:
        errors["reason"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(Reason.values)}
    elif not reason and decision in (Decision.REJECT, Decision.REQUEST_CHANGES):
        errors["reason"] = _("Say why: choose a reason.")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT_CHARS:
        errors["comment"] = _("At most %(limit)s characters.") % {"limit": f"{MAX_COMMENT_CHARS:,}"}
    if rating is not None and (isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5):
        errors["rating"] = _("A whole number from 1 to 5, or nothing.")
    if errors:
        raise ValidationError({field: [message] for field, message in errors.items()})
    return reason, comment, rating


def _lock(demonstration):
    return Demonstration.objects.select_for_update(of=("self",)).select_related("category").get(pk=demonstration.pk)


def _round_outcome(decisions, required):
    """The status a finished round leads to, or ``None`` while decisions are missing."""
    if len(decisions) < required:
        return None
    if all(d == Decision.APPROVE for d in decisions):
        return Status.APPROVED
    if Decision.REQUEST_CHANGES in decisions:
        return Status.CHANGES_REQUESTED
    return Status.REJECTED


def _move(current, status, *, new_round=False):
    """Give the locked demonstration ``status`` (a new version; a new review round when reopened).

    Its quality flags stay in the queue exactly while it waits for review, so the queue's flag
    filter never offers a decided record nor hides a waiting one.
    """
    current.status = status
    current.version += 1
    fields = ["status", "version", "updated_at"]
    if new_round:
        current.review_round += 1
        fields.append("review_round")
    current.save(update_fields=fields)
    QualityFlag.objects.filter(demonstration=current).update(in_queue=status == Status.SUBMITTED)


def _tell_people(demonstration, text):
    """Notify the demonstration's author and, for an answer, whoever posed the instruction."""
    ids = {demonstration.author_id, demonstration.instruction_author_id} - {None}
    for person in get_user_model().objects.filter(pk__in=ids).order_by("pk"):
        notify(recipient=person, demonstration=demonstration, text=text)


def _decision_text(demonstration, reviews):
    status = demonstration.get_status_display().lower()
    text = _("Your demonstration “%(title)s” was %(status)s.") % {
        "title": demonstration.instruction[:60],
        "status": status,
    }
    for review in reviews:
        if review.reason:
            text += " " + _("Reason: %(reason)s.") % {"reason": review.get_reason_display()}
        if review.comment:
            text += " " + _("Comment: %(comment)s") % {"comment": review.comment[:200]}
    return text


@transaction.atomic
def _decide(*, demonstration, reviewer, decision, reason="", comment="", rating=None, expected_version=None):
    """Record ``reviewer``'s decision and, when it completes the round, apply the outcome.

    Refusals, in order: not a reviewer (``NotAReviewer``), own work (``OwnWork``), no longer
    submitted (``AlreadyDecided``), held by another reviewer's running claim
    (``HeldByAnotherReviewer``: every path, the queue, a direct link, the duplicate comparison,
    the API and the admin actions, decides here), stale ``expected_version`` (``StaleEdit``),
    already decided by this reviewer in this round (``AlreadyReviewed``).  Nothing is written when
    refused.  Returns the ``Review``.
    """
    selectors.check_can_review(reviewer)
    reason, comment, rating = check_decision(decision=decision, reason=reason, comment=comment, rating=rating)
    current = _lock(demonstration)
    selectors.check_not_own(current, reviewer)
    if current.status != Status.SUBMITTED:
        raise AlreadyDecided(current, selectors.last_decisive_review(current))
    held = selectors.held_by_another(demonstration=current, reviewer=reviewer, now=timezone.now())
    if held is not None:
        raise HeldByAnotherReviewer(held.expires_at)
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit(current.version)
    if Review.objects.filter(demonstration=current, round=current.review_round, reviewer=reviewer).exists():
        raise AlreadyReviewed()
    before = demonstration_state(current)
    review = review_row_write(
        demonstration=current, reviewer=reviewer, decision=decision, reason=reason, comment=comment, rating=rating
    )
    ReviewClaim.objects.filter(demonstration=current).delete()
    round_reviews = list(selectors.round_reviews(current).order_by("created_at", "id"))
    outcome = _round_outcome([r.decision for r in round_reviews], current.category.required_approvals)
    if outcome is not None:
        _move(current, outcome)
    audit_entry_create(
        actor=reviewer,
        action=decision,
        demonstration=current,
        before=before,
        after={
            **demonstration_state(current),
            "review": review.pk,
            "decision": decision,
            "reason": reason,
            "rating": rating,
            "comment": comment,
            "decisions_in_round": len(round_reviews),
            "required_approvals": current.category.required_approvals,
        },
    )
    if outcome is not None:
        _tell_people(current, _decision_text(current, round_reviews))
    # Points last: they wait for the ledger's writer lock and hold it until the commit.
    hooks.review_recorded(review)
    if outcome == Status.APPROVED:
        hooks.approval_granted(current, review=review)
    review.demonstration = current
    return review


def review_approve(**decision):
    """Approve a submission (one approval of ``required_approvals``).  No reason needed.

    Takes ``_decide``'s keywords: ``demonstration``, ``reviewer``, and optionally
    ``expected_version``, ``reason``, ``comment``, ``rating``.
    """
    return _decide(decision=Decision.APPROVE, **decision)


def review_reject(*, reason, **decision):
    """Reject a submission for good; ``reason`` is required (other keywords as ``review_approve``)."""
    return _decide(decision=Decision.REJECT, reason=reason, **decision)


def review_request_changes(*, reason, **decision):
    """Send a submission back to its author to fix; ``reason`` is required (other keywords as ``review_approve``)."""
    return _decide(decision=Decision.REQUEST_CHANGES, reason=reason, **decision)


DECISION_SERVICES = {
    Decision.APPROVE: review_approve,
    Decision.REJECT: review_reject,
    Decision.REQUEST_CHANGES: review_request_changes,
}


def review_decide(*, decision, **kwargs):
    """Dispatch to the service of ``decision`` (for pages and the API, which receive it as data)."""
    service = DECISION_SERVICES.get(decision)
    if service is None:
        choices = ", ".join(Decision.values)
        raise ValidationError({"decision": [_("Choose one of: %(choices)s.") % {"choices": choices}]})
    return service(**kwargs)


@transaction.atomic
def review_reopen(*, demonstration, actor, expected_version=None, comment=""):
    """Send an approved demonstration back to review (admins only).

    It starts a new review round (earlier approvals no longer count) and keeps its
    original submission time, so it comes back near the head of the queue.  What the approval
    earned is reversed through ``hooks.approval_reversed``.
    """
    if not is_admin(actor):
        raise NotAReviewer()
    comment = (comment or "").strip()[:MAX_COMMENT_CHARS]
    current = _lock(demonstration)
    if current.status != Status.APPROVED:
        raise TransitionNotAllowed(
            _("Only approved demonstrations can be reopened; this one is %(status)s.")
            % {"status": current.get_status_display().lower()}
        )
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit(current.version)
    before = demonstration_state(current)
    _move(current, Status.SUBMITTED, new_round=True)
    audit_entry_create(
        actor=actor,
        action=AuditEntry.Action.REOPEN,
        demonstration=current,
        before=before,
        after={**demonstration_state(current), "comment": comment},
    )
    text = _("Your demonstration “%(title)s” was reopened for another review.") % {"title": current.instruction[:60]}
    if comment:
        text += " " + _("Comment: %(comment)s") % {"comment": comment[:200]}
    _tell_people(current, text)
    hooks.approval_reversed(current, actor=actor)
    return current


@transaction.atomic
def review_edit(*, demonstration, reviewer, expected_version, changes):
    """A reviewer corrects a submission before deciding; the edit is a revision and is audited.

    Goes through ``annotations.services.demonstration_update`` like every other edit; it
    keeps the demonstration submitted and recomputes its flags.
    """
    selectors.check_can_review(reviewer)
    current = _lock(demonstration)
    selectors.check_not_own(current, reviewer)
    if current.status != Status.SUBMITTED:
        raise AlreadyDecided(current, selectors.last_decisive_review(current))
    before = {field: getattr(current, field) for field in TEXT_FIELDS}
    before_category = current.category.key
    updated = demonstration_services.demonstration_update(
        demonstration=current,
        editor=reviewer,
        expected_version=expected_version,
        changes=changes,
    )
    if updated.version != current.version:
        after = {field: getattr(updated, field) for field in TEXT_FIELDS}
        changed = [field for field in TEXT_FIELDS if before[field] != after[field]]
        if updated.category.key != before_category:
            changed.append("category")
        audit_entry_create(
            actor=reviewer,
            action=AuditEntry.Action.REVIEWER_EDIT,
            demonstration=updated,
            before={
                **demonstration_state(current),
                **{f: before[f] for f in changed if f in before},
                **({"category": before_category} if "category" in changed else {}),
            },
            after={
                **demonstration_state(updated),
                **{f: after[f] for f in changed if f in after},
                **({"category": updated.category.key} if "category" in changed else {}),
            },
        )
        ReviewClaim.objects.filter(demonstration=updated, reviewer=reviewer).update(
            expires_at=timezone.now() + claim_duration(),
        )
    return updated
