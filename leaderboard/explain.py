"""Turn a stored explanation (see ``scoring``) into sentences a contributor can read."""

from django.utils.translation import gettext as _

from .models import Reason


def _step(step):
    code = step.get("code")
    if code == "counted_late":
        return _("approved before this contest counted it: added when it did")
    if code == "base":
        return _("%(points)s base points for an approved demonstration") % step
    if code == "category_multiplier":
        return _("× %(multiplier)s for the category %(category)s") % step
    if code == "balance":
        return (
            _(
                "× %(multiplier)s balance bonus: %(approved_before)s of the %(target)s wanted in %(category)s "
                "were approved before this one"
            )
            % step
        )
    if code == "rating_bonus":
        return _("+ %(points)s for the reviewer's %(rating)s-star rating") % step
    if code == "open_instruction_bonus":
        return _("+ %(points)s for answering another contributor's open instruction") % step
    if code == "rounded":
        return _("%(from)s rounded to %(points)s") % step
    if code == "daily_cap":
        return _("cut to %(points)s by the daily cap of %(cap)s points (%(used)s already earned that day)") % step
    if code == "duplicate":
        return _("no points: flagged as a duplicate of another demonstration")
    if code == "disqualified":
        if "reason" in step:
            return _("%(points)s: entries voided by disqualification (%(reason)s)") % step
        return _("no points: disqualified from this contest")
    if code == "review":
        return _("%(points)s points for a review") % step
    if code == "approval_reversed":
        return _("%(points)s: the approval was reversed") % step
    return str(step)


def describe(explanation):
    """The steps of one entry's computation, in order, as translated sentences."""
    return [_step(step) for step in (explanation or {}).get("steps", [])]


def reason_label(reason):
    try:
        return Reason(reason).label
    except ValueError:
        return reason
