"""Disqualifying a contributor from a contest: their points there are voided, the ledger keeps both."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import scoring
from ..models import BoardTotal, Disqualification, PointEntry, Reason, Standing
from .awards import write_entries
from .context import person_totals
from .recompute import rebuild_team_boards
from .totals import Write, serialise_ledger_writers, shift_board_scores, shift_scores


def _voids(contest, user, reason, now):
    """One opposite entry per (demonstration, review, category, day) the person still holds points for."""
    held = (
        PointEntry.objects.filter(contest=contest, user=user)
        .values("demonstration_id", "review_id", "category_id", "day")
        .annotate(net=Sum("points"))
        .filter(~Q(net=0))
        .order_by("day", "demonstration_id", "review_id")
    )
    return [
        PointEntry(
            contest=contest,
            user=user,
            reason=Reason.DISQUALIFIED,
            day=row["day"],
            created_at=now,
            demonstration_id=row["demonstration_id"],
            review_id=row["review_id"],
            category_id=row["category_id"],
            points=-row["net"],
            explanation=scoring.score_void(net_points=row["net"], reason=reason[:200]).explanation,
        )
        for row in held
    ]


@transaction.atomic
def disqualify(*, contest, user, reason, actor):
    """Void everything ``user`` holds in ``contest`` and keep them off its boards.

    Every (demonstration, review, category, day) the person still holds points for gets one
    opposite entry with reason ``disqualified``; later approvals in the contest earn 0.  The
    entries stay: the ledger shows what was earned and what was voided.  All-time points
    earned under the standard rules are not touched.  Disqualifying twice changes nothing.
    Returns the ``Disqualification``.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the contributor is disqualified.")})
    serialise_ledger_writers()
    person_totals(contest, user.pk)
    existing = Disqualification.objects.filter(contest=contest, user=user).first()
    if existing is not None:
        return existing
    disqualification = Disqualification.objects.create(
        contest=contest, user=user, reason=reason[:500], decided_by=actor
    )
    now = timezone.now()
    voids = _voids(contest, user, reason, now)
    person = person_totals(contest, user.pk)
    write_entries(voids, [Write(contest, person, entry.points, 0, entry.category_id) for entry in voids], now)
    person = person_totals(contest, user.pk)
    Standing.objects.filter(contest=contest, user=user).update(disqualified=True)
    shift_scores([((contest.pk, person.points), -1)])
    rows = BoardTotal.objects.filter(contest=contest, user=user)
    held = rows.values_list("period", "key", "category", "points")
    shift_board_scores([((contest.pk, *board, points), -1) for *board, points in held])
    rows.update(disqualified=True)
    rebuild_team_boards([person.team], contest_id=contest.pk)
    return disqualification
