"""Read queries of the review feature: the queue, what a reviewer may open, statistics."""

from collections import Counter
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Avg, Count, Exists, OuterRef, Prefetch, Q
from django.http import Http404

from accounts.permissions import is_admin, is_reviewer
from annotations.diffs import revision_changes
from annotations.models import (
    AuditEntry,
    Category,
    Demonstration,
    Notification,
    QualityFlag,
    Review,
    ReviewClaim,
    ReviewSkip,
    Status,
)

from . import hooks
from .exceptions import NotAReviewer, OwnWork


@dataclass(frozen=True)
class QueueFilters:
    """Narrowing of the queue.  Values are already checked (see ``forms.QueueFilterForm``).

    ``contest`` is what a contest counts, as a filter on demonstrations (``contest_window``).
    """

    category_id: int | None = None
    flag: str = ""
    author_id: int | None = None
    contest: Q | None = None


def contest_window(slug):
    """What the contest ``slug`` counts, as a ``Q`` on demonstrations, or ``None`` if there is no such contest."""
    return hooks.queue_contest_filter(slug)


def recent_contests(limit=50):
    """``(slug, name)`` of the newest contests, for the queue's contest filter."""
    return list(hooks.queue_contest_choices(limit))


NO_FILTERS = QueueFilters()


def check_can_review(user):
    if not is_reviewer(user):
        raise NotAReviewer()


def check_not_own(demonstration, user):
    if user.pk in (demonstration.author_id, demonstration.instruction_author_id):
        raise OwnWork()


FLAG_FILTER_LIMIT = 5000


def review_queue(*, reviewer, filters=NO_FILTERS, now):
    """Submissions ``reviewer`` may be handed, oldest submission first.

    Leaves out their own work, items held by another reviewer's unexpired claim, and items
    they already reviewed or skipped in the current round.  Served by the
    ``(status, submitted_at, id)`` index, or ``(status, category, submitted_at, id)`` when
    filtered by category.  A flag filter first reads the ids of waiting items with that flag
    from the small ``flag_in_queue`` partial index (one query, at most ``FLAG_FILTER_LIMIT``
    ids): walking the queue in order and probing each item's flags is fast while matches are
    common but reads the whole queue when none is left.
    """
    queryset = (
        Demonstration.objects.filter(status=Status.SUBMITTED)
        .exclude(author_id=reviewer.pk)
        .filter(Q(instruction_author__isnull=True) | ~Q(instruction_author_id=reviewer.pk))
        .filter(
            ~Exists(
                ReviewClaim.objects.filter(demonstration=OuterRef("pk"), expires_at__gt=now).exclude(
                    reviewer_id=reviewer.pk
                )
            ),
            ~Exists(
                Review.objects.filter(
                    demonstration=OuterRef("pk"), round=OuterRef("review_round"), reviewer_id=reviewer.pk
                )
            ),
            ~Exists(
                ReviewSkip.objects.filter(
                    demonstration=OuterRef("pk"), round=OuterRef("review_round"), reviewer_id=reviewer.pk
                )
            ),
        )
    )
    if filters.category_id:
        queryset = queryset.filter(category_id=filters.category_id)
    if filters.author_id:
        queryset = queryset.filter(author_id=filters.author_id)
    if filters.flag:
        flagged = (
            QualityFlag.objects.filter(kind=filters.flag, in_queue=True)
            .order_by("demonstration_id")
            .values_list("demonstration_id", flat=True)[:FLAG_FILTER_LIMIT]
        )
        queryset = queryset.filter(pk__in=list(flagged))
    if filters.contest is not None:
        queryset = queryset.filter(filters.contest)
    return queryset.order_by("submitted_at", "id")


QUEUE_COUNT_CAP = 1000


def queue_size(*, reviewer, filters=NO_FILTERS, now):
    """How many submissions wait for ``reviewer``, counted up to ``QUEUE_COUNT_CAP`` so it stays cheap."""
    return review_queue(reviewer=reviewer, filters=filters, now=now).order_by()[: QUEUE_COUNT_CAP + 1].count()


def held_claim_id(*, reviewer, now):
    """The id of the demonstration ``reviewer`` holds by a running claim, if any (``claim_reviewer`` index)."""
    return (
        ReviewClaim.objects.filter(reviewer=reviewer, expires_at__gt=now)
        .order_by("-expires_at")
        .values_list("demonstration_id", flat=True)
        .first()
    )


def held_by_another(*, demonstration, reviewer, now):
    """The running claim of another reviewer on ``demonstration``, or ``None``."""
    return (
        ReviewClaim.objects.filter(demonstration=demonstration, expires_at__gt=now)
        .exclude(reviewer=reviewer)
        .select_related("reviewer")
        .first()
    )


def review_item(demonstration_id):
    """One demonstration with everything the review page shows, in a fixed number of queries."""
    return (
        Demonstration.objects.select_related("category", "author", "instruction_author", "claim")
        .prefetch_related(Prefetch("flags", queryset=QualityFlag.objects.select_related("other")))
        .get(pk=demonstration_id)
    )


def flags_of(demonstration):
    """The quality flags of ``demonstration`` with the records they name, in one query."""
    return list(demonstration.flags.select_related("other"))


def access_review_item(*, user, public_id):
    """A non-draft demonstration for a reviewer to decide on: 404 if unknown, 403 if not theirs to review."""
    check_can_review(user)
    try:
        demonstration = (
            Demonstration.objects.exclude(status=Status.DRAFT)
            .select_related("category", "author")
            .get(public_id=public_id)
        )
    except (Demonstration.DoesNotExist, ValueError) as exc:
        raise Http404("No such demonstration.") from exc
    check_not_own(demonstration, user)
    return demonstration


def access_reopenable(*, user, public_id):
    if not is_admin(user):
        raise NotAReviewer()
    try:
        return Demonstration.objects.exclude(status=Status.DRAFT).get(public_id=public_id)
    except (Demonstration.DoesNotExist, ValueError) as exc:
        raise Http404("No such demonstration.") from exc


def reviews_of(demonstration):
    return demonstration.reviews.select_related("reviewer").order_by("-created_at", "-id")


def visible_reviews(demonstration):
    """Decisions the contributor may read: all but those of a round still being decided (blind review)."""
    reviews = reviews_of(demonstration)
    if demonstration.status == Status.SUBMITTED:
        reviews = reviews.exclude(round=demonstration.review_round)
    return reviews


def round_reviews(demonstration):
    return demonstration.reviews.filter(round=demonstration.review_round).select_related("reviewer")


def audit_of(demonstration):
    return AuditEntry.objects.filter(demonstration=demonstration).select_related("actor")


def last_decisive_review(demonstration):
    return demonstration.reviews.select_related("reviewer").order_by("-created_at", "-id").first()


def find_author(username):
    return get_user_model().objects.filter(username=username).values_list("pk", flat=True).first()


# --- notifications ----------------------------------------------------------------------------


def notifications_for(user):
    return Notification.objects.filter(recipient=user).select_related("demonstration").order_by("-created_at", "-id")


def unread_count(user):
    """How many of ``user``'s notifications are unread (the header's bell, on every page).

    One COUNT on the partial index ``notification_unread``, sent as written: Django's ``count()``
    spends about 0.5 ms of CPU building it, more than PostgreSQL spends answering it.
    """
    if not user.is_authenticated:
        return 0
    meta, quote = Notification._meta, connection.ops.quote_name
    sql = (
        f"SELECT COUNT(*) FROM {quote(meta.db_table)} "  # noqa: S608 - identifiers from the model, the user a parameter
        f"WHERE {quote(meta.get_field('recipient').column)} = %s AND {quote(meta.get_field('read_at').column)} IS NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk])
        return cursor.fetchone()[0]


# --- statistics -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Agreement:
    """Agreement between the first two decisions on items reviewed at least twice in one round."""

    items: int
    agreed: int
    percent: float | None
    kappa: float | None
    labels: tuple = ()
    table: tuple = ()


def agreement_from_pairs(pairs):
    """Percentage agreement and Cohen's kappa for ``(first decision, second decision)`` pairs.

    The two "raters" are the first and the second reviewer of each item, whoever they were;
    kappa = (p_o - p_e) / (1 - p_e) with p_e from each position's marginal distribution.
    Kappa is ``None`` when undefined (no items, or both positions always used one same label).
    """
    pairs = list(pairs)
    n = len(pairs)
    if not n:
        return Agreement(items=0, agreed=0, percent=None, kappa=None)
    agreed = sum(1 for a, b in pairs if a == b)
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    p_o = agreed / n
    p_e = sum(first[label] * second[label] for label in first) / (n * n)
    kappa = None if p_e == 1 else (p_o - p_e) / (1 - p_e)
    labels = tuple(label for label in Review.Decision.values if label in first or label in second)
    cells = Counter(pairs)
    table = tuple(tuple(cells[(a, b)] for b in labels) for a in labels)
    return Agreement(items=n, agreed=agreed, percent=100 * p_o, kappa=kappa, labels=labels, table=table)


def decision_pairs(*, category_id=None):
    """``(first, second)`` decisions of every (demonstration, round) that has two or more reviews."""
    doubles = Review.objects.values("demonstration_id", "round").annotate(n=Count("id")).filter(n__gte=2).order_by()
    if category_id:
        doubles = doubles.filter(demonstration__category_id=category_id)
    reviewed_twice = Review.objects.filter(
        Exists(doubles.filter(demonstration_id=OuterRef("demonstration_id"), round=OuterRef("round"))),
    )
    rows = reviewed_twice.order_by("demonstration_id", "round", "created_at", "id").values_list(
        "demonstration_id",
        "round",
        "decision",
    )
    pairs, current_key, current = [], None, []
    for demonstration_id, round_, decision in rows.iterator(chunk_size=2000):
        if (demonstration_id, round_) != current_key:
            if len(current) >= 2:
                pairs.append((current[0], current[1]))
            current_key, current = (demonstration_id, round_), []
        current.append(decision)
    if len(current) >= 2:
        pairs.append((current[0], current[1]))
    return pairs


def reviewer_agreement(*, category_id=None):
    return agreement_from_pairs(decision_pairs(category_id=category_id))


def reviewer_stats():
    """Decisions per reviewer, with the mean rating they give; one query."""
    return (
        Review.objects.values("reviewer__username")
        .annotate(
            total=Count("id"),
            mean_rating=Avg("rating"),
            approved=Count("id", filter=Q(decision=Review.Decision.APPROVE)),
            rejected=Count("id", filter=Q(decision=Review.Decision.REJECT)),
            changes=Count("id", filter=Q(decision=Review.Decision.REQUEST_CHANGES)),
        )
        .order_by("-total", "reviewer__username")
    )


def double_review_categories():
    return Category.objects.filter(required_approvals__gt=1)


def detail_context(*, demonstration, user, revisions):
    """What the demonstration page shows about review: decisions, reviewer changes, flags, reopening.

    Decisions of a round still in progress stay hidden from the contributor (double review
    is blind until the round is decided).
    """
    reviews = visible_reviews(demonstration)
    reviewer = is_reviewer(user)
    return {
        "reviews": list(reviews[:50]),
        "revision_changes": revision_changes(revisions),
        "flags": flags_of(demonstration) if reviewer else [],
        "can_reopen": is_admin(user) and demonstration.status == Status.APPROVED,
        "can_review": reviewer
        and demonstration.status == Status.SUBMITTED
        and user.pk not in (demonstration.author_id, demonstration.instruction_author_id),
        "show_reviewers": reviewer,
    }


def recent_decision(*, reviewer, review_id, since):
    """``reviewer``'s decision ``review_id`` if it is in force and was made after ``since``, else ``None``."""
    if not review_id:
        return None
    return (
        Review.objects.filter(pk=review_id, reviewer=reviewer, created_at__gt=since)
        .select_related("demonstration")
        .first()
    )


def access_own_decision(*, user, public_id):
    """``user``'s latest decision on demonstration ``public_id`` (a withdrawn one included, so
    undoing twice says so): 403 for non-reviewers, 404 when they have made none."""
    check_can_review(user)
    review = (
        Review.all_objects.filter(demonstration__public_id=public_id, reviewer=user)
        .select_related("demonstration")
        .order_by("-created_at", "-id")
        .first()
    )
    if review is None:
        raise Http404("No such decision.")
    return review
