"""Contests, the points ledger and the standings derived from it.

The ledger (``PointEntry``) is the truth: rows are only ever inserted.  ``Standing``,
``TeamStanding`` and ``CategoryProgress`` are running totals of the ledger, updated in the
same transaction as each ledger insert and recomputable from it at any time
(``manage.py rebuild_standings``, verified by ``manage.py check_standings``).
"""

import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _default_time_zone():
    return settings.TIME_ZONE


def _multiplier(value):
    if isinstance(value, bool):
        raise ValueError
    number = Decimal(str(value))
    if not number.is_finite() or number <= 0 or number > 100:
        raise ValueError
    return number


def _target(value):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError
    return value


def _check_category_map(mapping, known_keys, parse):
    """A message naming the first bad key or value of a category-keyed JSON object, or None."""
    if mapping in (None, ""):
        return None
    if not isinstance(mapping, dict):
        return _("Give an object mapping category keys to values.")
    for key, value in mapping.items():
        if key not in known_keys:
            return _("Unknown category key %(key)r.") % {"key": key}
        try:
            parse(value)
        except (ValueError, ArithmeticError, TypeError):
            if parse is _target:
                return _("%(key)s: the target must be a positive whole number.") % {"key": key}
            return _("%(key)s: the multiplier must be a number above 0 and at most 100.") % {"key": key}
    return None


class ContestQuerySet(models.QuerySet):
    def running(self, at=None):
        at = at or timezone.now()
        return self.filter(starts_at__lte=at, ends_at__gt=at)

    def counting(self, *, category_id, at):
        """Contests a demonstration of ``category_id`` submitted at ``at`` counts for."""
        return self.filter(starts_at__lte=at, ends_at__gt=at, categories=category_id)


class Contest(models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    prizes = models.TextField(_("prizes"), blank=True, help_text=_("Markdown."))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=_default_time_zone,
        help_text=_("Where 'today' and 'this week' and the daily cap are counted, e.g. Europe/Paris."),
    )
    categories = models.ManyToManyField("annotations.Category", related_name="contests", verbose_name=_("categories"))

    base_points = models.PositiveIntegerField(_("base points per approved demonstration"), default=10)
    category_multipliers = models.JSONField(
        _("per-category multipliers"),
        default=dict,
        blank=True,
        help_text=_('Category key to multiplier, e.g. {"closed_qa": "1.5"}. Missing categories count 1.'),
    )
    rating_bonus = models.PositiveIntegerField(
        _("bonus per rating star above 3"),
        default=0,
        help_text=_("A 5-star review earns twice this, a 4-star review once; 3 stars or fewer earn nothing."),
    )
    open_instruction_bonus = models.PositiveIntegerField(
        _("bonus for answering another contributor's open instruction"),
        default=0,
    )
    review_points = models.PositiveIntegerField(
        _("points per review"),
        default=0,
        help_text=_("0: reviewers earn nothing in this contest."),
    )
    daily_cap = models.PositiveIntegerField(
        _("daily cap per person"),
        null=True,
        blank=True,
        help_text=_("Most points one person can earn per day (in the contest's time zone). Empty: no cap."),
    )
    balance_bonus = models.BooleanField(
        _("balance bonus"),
        default=False,
        help_text=_("Categories under their target earn more, shrinking to nothing as the target fills."),
    )
    balance_max_multiplier = models.DecimalField(
        _("balance multiplier at an empty category"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("2.00"),
        validators=[MinValueValidator(Decimal("1.00"))],
    )
    category_targets = models.JSONField(
        _("target count per category"),
        default=dict,
        blank=True,
        help_text=_('Category key to number of approved demonstrations wanted, e.g. {"summarization": 500}.'),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ContestQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "id"]
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="contest_window")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="contest_ends_after_start"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        try:
            zoneinfo.ZoneInfo(self.time_zone or "")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            errors["time_zone"] = _("Unknown time zone %(zone)r: use a name such as Europe/Paris.") % {
                "zone": self.time_zone
            }
        for name in ("starts_at", "ends_at"):
            value = getattr(self, name)
            if value is not None and timezone.is_naive(value):
                errors[name] = _("Give a time zone with the time.")
        if (
            self.starts_at
            and self.ends_at
            and "starts_at" not in errors
            and "ends_at" not in errors
            and self.ends_at <= self.starts_at
        ):
            errors["ends_at"] = _("The contest must end after it starts.")
        from annotations.models import Category

        known = set(Category.objects.values_list("key", flat=True))
        problem = _check_category_map(self.category_multipliers, known, _multiplier)
        if problem:
            errors["category_multipliers"] = problem
        problem = _check_category_map(self.category_targets, known, _target)
        if problem:
            errors["category_targets"] = problem
        if errors:
            raise ValidationError(errors)

    @property
    def zone(self):
        return zoneinfo.ZoneInfo(self.time_zone)

    def status_at(self, at):
        if at < self.starts_at:
            return "upcoming"
        if at >= self.ends_at:
            return "ended"
        return "running"

    @property
    def status(self):
        return self.status_at(timezone.now())


class Reason(models.TextChoices):
    APPROVAL = "approval", _("Demonstration approved")
    APPROVAL_REVERSED = "approval_reversed", _("Approval reversed")
    REVIEW = "review", _("Review")
    DISQUALIFIED = "disqualified", _("Disqualified")


class PointEntry(models.Model):
    """One line of the ledger.  Never updated: a correction is another, opposite entry.

    ``sequence`` numbers the awards (and reversals) of one demonstration in one contest: the
    first approval is award 1, its reversal is reversal 1, a second approval is award 2.  The
    unique constraints make a repeated or concurrent award of the same thing impossible.
    ``counted`` is +1 for an approval, -1 for its reversal (the category progress is their sum).
    ``day`` is the contest-local day the points are charged to for the daily cap.
    """

    contest = models.ForeignKey(Contest, on_delete=models.PROTECT, related_name="entries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="point_entries")
    demonstration = models.ForeignKey(
        "annotations.Demonstration",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="point_entries",
    )
    review = models.ForeignKey(
        "annotations.Review",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="point_entries",
    )
    category = models.ForeignKey(
        "annotations.Category", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    sequence = models.PositiveIntegerField(default=1)
    points = models.IntegerField()
    counted = models.SmallIntegerField(default=0)
    day = models.DateField()
    explanation = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "point entries"
        ordering = ["-created_at", "-id"]
        indexes = [
            # Covering: window and category boards aggregate from the index alone (index-only scans).
            models.Index(fields=["contest", "created_at", "user", "points", "category"], name="entry_contest_time"),
            models.Index(fields=["contest", "category", "created_at", "user", "points"], name="entry_contest_category"),
            models.Index(fields=["contest", "user", "day"], name="entry_contest_user_day"),
            models.Index(fields=["user", "created_at"], name="entry_user_time"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["contest", "demonstration", "reason", "sequence"],
                condition=Q(demonstration__isnull=False) & Q(reason__in=["approval", "approval_reversed"]),
                name="entry_once_per_demonstration",
            ),
            models.UniqueConstraint(
                fields=["contest", "review"],
                condition=Q(review__isnull=False) & Q(reason="review"),
                name="entry_once_per_review",
            ),
        ]

    def __str__(self):
        return f"{self.user_id} {self.points:+d} ({self.reason})"


class Standing(models.Model):
    """A person's running total in one contest, or over all contests (``contest`` null).

    ``reached_at`` is the time of the latest entry that changed the total: of two people with
    the same points, the one who got there first ranks higher.  It is null while every entry
    was worth 0.
    """

    contest = models.ForeignKey(Contest, null=True, blank=True, on_delete=models.CASCADE, related_name="standings")
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

    contest = models.ForeignKey(Contest, null=True, blank=True, on_delete=models.CASCADE, related_name="team_standings")
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

    contest = models.ForeignKey(Contest, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
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


class CategoryProgress(models.Model):
    """How many approved demonstrations of a category count in a contest (sum of ``counted``).

    Its row is locked while a demonstration of that category is awarded, so the balance bonus
    of two concurrent approvals is computed from two different counts.
    """

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="progress")
    category = models.ForeignKey("annotations.Category", on_delete=models.CASCADE, related_name="+")
    approved = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contest", "category"], name="progress_unique_contest_category"),
        ]

    def __str__(self):
        return f"{self.contest_id}/{self.category_id}: {self.approved}"


class Disqualification(models.Model):
    contest = models.ForeignKey(Contest, on_delete=models.PROTECT, related_name="disqualifications")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contest", "user"], name="disqualification_unique"),
        ]

    def __str__(self):
        return f"{self.user_id} from {self.contest_id}"
