"""Creating, changing and ending contests.

Imported as ``leaderboard.services.contests`` (not re-exported by the package).  It queues
``tasks.count_earlier_approvals`` (whose task calls back into ``services.late_approvals``) by
name, so neither the tasks module nor Celery is imported with it.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.tasks import registered_task

from ..models import Contest

COUNT_EARLIER_APPROVALS_TASK = "leaderboard.tasks.count_earlier_approvals"
SCORING_FIELDS = (
    "base_points",
    "category_multipliers",
    "rating_bonus",
    "open_instruction_bonus",
    "review_points",
    "daily_cap",
    "balance_bonus",
    "balance_max_multiplier",
)
CONTEST_FIELDS = (
    "name",
    "slug",
    "description",
    "prizes",
    "starts_at",
    "ends_at",
    "time_zone",
    *SCORING_FIELDS,
    "category_targets",
)


def _check_fields(fields):
    unknown = set(fields) - set(CONTEST_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})


def _count_earlier_approvals_after_commit(contest):
    contest_id = contest.pk
    transaction.on_commit(lambda: registered_task(COUNT_EARLIER_APPROVALS_TASK).delay(contest_id))


@transaction.atomic
def contest_create(*, categories, **fields):
    """Create a contest.  Raises ``ValidationError`` naming the field; nothing is saved then.

    Approvals already made that the contest counts (submitted inside its window, in its
    categories) earn its points once it is committed (``late_approvals.contest_count_earlier_approvals``, in a task).
    """
    _check_fields(fields)
    contest = Contest(**fields)
    contest.full_clean()
    if not categories:
        raise ValidationError({"categories": _("Choose at least one category.")})
    contest.save()
    contest.categories.set(categories)
    _count_earlier_approvals_after_commit(contest)
    return contest


@transaction.atomic
def contest_update(*, contest, categories=None, **changes):
    """Change a contest's text, window or rules.  Points already in the ledger stay as they were.

    When the window or the categories change, approvals it now counts earn its points too.
    """
    _check_fields(changes)
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    before = (contest.starts_at, contest.ends_at, set(contest.categories.values_list("pk", flat=True)))
    for name, value in changes.items():
        setattr(contest, name, value)
    contest.full_clean()
    if categories is not None and not categories:
        raise ValidationError({"categories": _("Choose at least one category.")})
    contest.save()
    if categories is not None:
        contest.categories.set(categories)
    after = (contest.starts_at, contest.ends_at, set(contest.categories.values_list("pk", flat=True)))
    if after != before:
        _count_earlier_approvals_after_commit(contest)
    return contest


def contest_end(*, contest, at=None):
    """End a running contest now (or at ``at``); an upcoming one cannot be ended, only changed."""
    at = at or timezone.now()
    if contest.status_at(at) != "running":
        raise ValidationError({"ends_at": _("Only a running contest can be ended.")})
    return contest_update(contest=contest, ends_at=at)
