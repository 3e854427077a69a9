"""Moving people between teams: a team's standing is the sum over its current members."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Sum

from accounts.models import Profile
from accounts.names import check_visible_text

from ..models import Standing, TeamStanding
from .recompute import rebuild_team_boards
from .totals import serialise_ledger_writers


def _recompute_team(contest_id, team):
    totals = Standing.objects.filter(contest_id=contest_id, user__profile__team=team).aggregate(
        points=Sum("points"),
        reached_at=Max("reached_at"),
        members=Count("id"),
    )
    lookup = {"contest_id": contest_id, "team": team}
    if not totals["members"]:
        TeamStanding.objects.filter(**lookup).delete()
        return
    updated = TeamStanding.objects.filter(**lookup).update(points=totals["points"], reached_at=totals["reached_at"])
    if not updated:
        TeamStanding.objects.create(points=totals["points"], reached_at=totals["reached_at"], **lookup)


@transaction.atomic
def set_team(*, user, team):
    """Move ``user`` to ``team`` ("" for none); their points move with them, on every board
    (whole contest, windows and categories).

    Both teams are recomputed from their members' standings, under the ledger writer lock
    (as an award), so no award changes a member's standing meanwhile.
    """
    team = (team or "").strip()[:100]
    try:
        check_visible_text(team)
    except ValidationError as error:
        raise ValidationError({"team": error.messages})
    serialise_ledger_writers()
    profile, _created = Profile.objects.select_for_update().get_or_create(user=user)
    old = profile.team
    if old == team:
        return profile
    profile.team = team
    profile.save(update_fields=["team"])
    for contest_id in Standing.objects.filter(user=user).values_list("contest_id", flat=True):
        for name in (old, team):
            if name:
                _recompute_team(contest_id, name)
    rebuild_team_boards([old, team])
    return profile
