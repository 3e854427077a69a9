"""Contests: their window, time zone, categories and scoring rules."""

import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from annotations.models import Category


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
        """Contests a demonstration of ``category_id`` submitted at ``at`` counts for (see ``Contest.counts``)."""
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

    def counts(self, prefix=""):
        """What this contest counts, as a filter on demonstrations: its categories, submitted in its window.

        The one definition of it: the points ledger, the review queue's contest filter, dataset
        exports and the dashboards' suggestions all use it.  ``prefix`` reaches demonstrations
        through a relation (``"demonstration__"``).  The categories must be prefetched or it
        costs a query.
        """
        return Q(
            **{
                f"{prefix}category_id__in": [category.pk for category in self.categories.all()],
                f"{prefix}submitted_at__gte": self.starts_at,
                f"{prefix}submitted_at__lt": self.ends_at,
            }
        )

    def counts_submission(self, *, category_id, submitted_at, category_ids=None):
        """Whether a demonstration of ``category_id`` submitted at ``submitted_at`` counts (as ``counts``)."""
        if category_ids is None:
            category_ids = {category.pk for category in self.categories.all()}
        in_window = submitted_at is not None and self.starts_at <= submitted_at < self.ends_at
        return in_window and category_id in category_ids

    def status_at(self, at):
        if at < self.starts_at:
            return "upcoming"
        if at >= self.ends_at:
            return "ended"
        return "running"

    @property
    def status(self):
        return self.status_at(timezone.now())
