from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from annotations.exceptions import TransitionNotAllowed


class AlreadyDecided(TransitionNotAllowed):
    """A decision arrived for a demonstration that is no longer waiting for one."""

    code = "already_decided"

    def __init__(self, demonstration, last_review=None):
        self.status = demonstration.status
        if last_review is not None:
            message = _(
                "This demonstration was already decided (%(status)s by %(reviewer)s at %(when)s); "
                "your decision was not recorded."
            ) % {
                "status": demonstration.get_status_display().lower(),
                "reviewer": last_review.reviewer.get_username(),
                "when": last_review.created_at.strftime("%Y-%m-%d %H:%M UTC"),
            }
        else:
            message = _("This demonstration is %(status)s, not waiting for review; your decision was not recorded.") % {
                "status": demonstration.get_status_display().lower()
            }
        super().__init__(message)


class AlreadyReviewed(TransitionNotAllowed):
    """The reviewer already gave their decision in this review round."""

    code = "already_reviewed"

    def __init__(self):
        super().__init__(_("You already reviewed this submission; it is waiting for another reviewer."))


class OwnWork(PermissionDenied):
    """Nobody reviews a demonstration they wrote or whose instruction they posed."""

    def __init__(self):
        super().__init__(_("You cannot review your own demonstration, nor an answer to your own instruction."))


class NotAReviewer(PermissionDenied):
    def __init__(self):
        super().__init__(_("Only reviewers can do this."))


class HeldByAnotherReviewer(TransitionNotAllowed):
    """Another reviewer holds the demonstration by a running claim: they are deciding on it now."""

    code = "held_by_another_reviewer"

    def __init__(self, until=None):
        if until is not None:
            message = _(
                "Another reviewer is deciding on this demonstration (it is theirs until %(until)s); "
                "your decision was not recorded."
            ) % {"until": until.strftime("%H:%M UTC")}
        else:
            message = _("Another reviewer is deciding on this demonstration; your decision was not recorded.")
        super().__init__(message)
