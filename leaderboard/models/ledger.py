"""The points ledger: entries, only ever inserted, and disqualifications."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .contests import Contest


class Reason(models.TextChoices):
    APPROVAL = "approval", _("Demonstration approved")
    APPROVAL_REVERSED = "approval_reversed", _("Approval reversed")
    REVIEW = "review", _("Review")
    DISQUALIFIED = "disqualified", _("Disqualified")


class PointEntry(models.Model):
    """One line of the ledger.  Never updated: a correction is another, opposite entry.

    ``contest`` null: all-time points, earned by every approval under the standard rules
    (``scoring.STANDARD_RULES``) whether or not a contest runs; a contest's entries come on top.
    ``sequence`` numbers the awards (and reversals) of one demonstration on one board: the
    first approval is award 1, its reversal is reversal 1, a second approval is award 2.  The
    unique constraints make a repeated or concurrent award of the same thing impossible.
    ``counted`` is +1 for an approval, -1 for its reversal (the category progress is their sum).
    ``day`` is the contest-local day the points are charged to for the daily cap.
    """

    # No index of their own: ``entry_contest_time`` and ``entry_user_time`` start with them.
    contest = models.ForeignKey(
        Contest, null=True, blank=True, on_delete=models.PROTECT, related_name="entries", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="point_entries", db_index=False
    )
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
                fields=["demonstration", "reason", "sequence"],
                condition=Q(contest__isnull=True)
                & Q(demonstration__isnull=False)
                & Q(reason__in=["approval", "approval_reversed"]),
                name="entry_once_per_demonstration_alltime",
            ),
            models.UniqueConstraint(
                fields=["contest", "review"],
                condition=Q(review__isnull=False) & Q(reason="review"),
                name="entry_once_per_review",
            ),
        ]

    def __str__(self):
        return f"{self.user_id} {self.points:+d} ({self.reason})"


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
