"""Running totals of the ledger: standings, score histograms, team totals, category progress, boards.

Every approval updates a few dozen of these rows, and an update writes an entry into each of
its table's indexes (the totals are in the rank indexes, so the updates are not HOT): the
``contest`` foreign keys have no index of their own, since each table's unique constraint
starts with ``contest`` and serves the same lookups.  The histograms and the category progress
(whose counts no index holds) leave room in their pages so their updates stay on the page.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .contests import Contest


class Standing(models.Model):
    """A person's running total in one contest, or over all contests (``contest`` null).

    ``reached_at`` is the time of the latest entry that changed the total: of two people with
    the same points, the one who got there first ranks higher.  It is null while every entry
    was worth 0.
    """

    contest = models.ForeignKey(
        Contest, null=True, blank=True, on_delete=models.CASCADE, related_name="standings", db_index=False
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="standings")
    points = models.IntegerField(default=0)
    reached_at = models.DateTimeField(null=True, blank=True)
    disqualified = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contest", "user"], name="standing_unique_contest_user"),
            models.UniqueConstraint(fields=["user"], condition=Q(contest__isnull=True), name="standing_unique_alltime"),
        ]
        indexes = [
            models.Index(
                fields=["contest", "-points", "reached_at", "user"],
                condition=Q(disqualified=False),
                name="standing_rank",
            ),
        ]

    def __str__(self):
        return f"{self.user_id}: {self.points}"


class TeamStanding(models.Model):
    """A team's running total: the sum over its current members (see ``Profile.team``)."""

    contest = models.ForeignKey(
        Contest, null=True, blank=True, on_delete=models.CASCADE, related_name="team_standings", db_index=False
    )
    team = models.CharField(max_length=100)
    points = models.IntegerField(default=0)
    reached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contest", "team"], name="teamstanding_unique_contest_team"),
            models.UniqueConstraint(
                fields=["team"], condition=Q(contest__isnull=True), name="teamstanding_unique_alltime"
            ),
        ]
        indexes = [
            models.Index(fields=["contest", "-points", "reached_at", "team"], name="teamstanding_rank"),
        ]

    def __str__(self):
        return f"{self.team}: {self.points}"


class ScoreCount(models.Model):
    """How many people (not disqualified) hold exactly ``points`` on a board (``contest`` null: all time).

    A histogram of ``Standing``: a person's rank is the number of people on higher scores, read
    from here (one short index range whatever the board's size), plus those on the same score
    who got there first.
    """

    contest = models.ForeignKey(
        Contest, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    points = models.IntegerField()
    holders = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contest", "points"], name="scorecount_unique_contest_points"),
            models.UniqueConstraint(
                fields=["points"], condition=Q(contest__isnull=True), name="scorecount_unique_alltime_points"
            ),
        ]

    def __str__(self):
        return f"{self.contest_id}: {self.holders} at {self.points}"


class Period(models.IntegerChoices):
    """The window of a ``BoardTotal`` board, and what its ``key`` holds."""

    DAY = 1, _("Today")  # key: the day's proleptic ordinal (date.toordinal) in the board's zone
    WEEK = 2, _("This week")  # key: the ordinal of the week's Monday in the board's zone
    WHOLE = 3, _("Whole contest")  # key: 0; only with a category (the whole board is ``Standing``)


EVERY_CATEGORY = 0  # ``category`` of a window board that counts every category


def _board_constraints(prefix, member):
    return [
        models.UniqueConstraint(fields=["contest", "period", "key", "category", member], name=f"{prefix}_unique"),
        models.UniqueConstraint(
            fields=["period", "key", "category", member],
            condition=Q(contest__isnull=True),
            name=f"{prefix}_unique_alltime",
        ),
    ]


class BoardTotal(models.Model):
    """A person's running total on a window or category board of a contest (``contest`` null: all time).

    The points of the ledger entries created in that day or week (in the contest's time zone;
    the site's for all time) or over the whole contest, of one category (``category``, the
    category's id) or of every category (``EVERY_CATEGORY``).  ``reached_at`` and
    ``disqualified`` mean what they mean on ``Standing``.  A board's top is a range of the
    ``board_rank`` index.
    """

    contest = models.ForeignKey(
        Contest, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    period = models.SmallIntegerField(choices=Period.choices)
    key = models.IntegerField()
    category = models.IntegerField(default=EVERY_CATEGORY)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    points = models.IntegerField(default=0)
    reached_at = models.DateTimeField(null=True, blank=True)
    disqualified = models.BooleanField(default=False)

    class Meta:
        constraints = _board_constraints("boardtotal", "user")
        indexes = [
            models.Index(
                fields=["contest", "period", "key", "category", "-points", "reached_at", "user"],
                condition=Q(disqualified=False),
                name="boardtotal_rank",
            ),
        ]

    def __str__(self):
        return f"{self.contest_id}/{self.period}/{self.key}/{self.category} {self.user_id}: {self.points}"


class BoardScoreCount(models.Model):
    """How many people (not disqualified) hold exactly ``points`` on a ``BoardTotal`` board (as ``ScoreCount``)."""

    contest = models.ForeignKey(
        Contest, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    period = models.SmallIntegerField(choices=Period.choices)
    key = models.IntegerField()
    category = models.IntegerField(default=EVERY_CATEGORY)
    points = models.IntegerField()
    holders = models.IntegerField(default=0)

    class Meta:
        constraints = _board_constraints("boardscore", "points")

    def __str__(self):
        return f"{self.contest_id}/{self.period}/{self.key}/{self.category}: {self.holders} at {self.points}"


class TeamBoardTotal(models.Model):
    """A team's running total on a window or category board: the sum of its current members' ``BoardTotal``.

    Members disqualified from the contest count for nothing there (as on the people board).
    """

    contest = models.ForeignKey(
        Contest, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    period = models.SmallIntegerField(choices=Period.choices)
    key = models.IntegerField()
    category = models.IntegerField(default=EVERY_CATEGORY)
    team = models.CharField(max_length=100)
    points = models.IntegerField(default=0)
    reached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = _board_constraints("teamboard", "team")
        indexes = [
            models.Index(
                fields=["contest", "period", "key", "category", "-points", "reached_at", "team"],
                name="teamboard_rank",
            ),
        ]

    def __str__(self):
        return f"{self.contest_id}/{self.period}/{self.key}/{self.category} {self.team}: {self.points}"


class CategoryProgress(models.Model):
    """How many approved demonstrations of a category count in a contest (sum of ``counted``).

    Written under the ledger writer lock (see ``services``), so the balance bonus of two
    concurrent approvals is computed from two different counts.
    """

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="progress", db_index=False)
    category = models.ForeignKey("annotations.Category", on_delete=models.CASCADE, related_name="+")
    approved = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contest", "category"], name="progress_unique_contest_category"),
        ]

    def __str__(self):
        return f"{self.contest_id}/{self.category_id}: {self.approved}"
