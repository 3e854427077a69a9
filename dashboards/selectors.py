"""The dashboards' queries.  Each aggregates in SQL and returns a bounded number of rows.

Row counts are bounded by the number of days in the window times the categories, or by
categories times statuses, reviewers times decisions, a top-N limit; the only per-record
query (review durations) is cut to the newest ``MAX_DURATIONS`` reviews.
"""

from django.db.models import (
    Avg,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    Q,
    Value,
    When,
)
from django.db.models.functions import Length, TruncDate

from annotations.models import Demonstration, Review, Status

MAX_DURATIONS = 20_000
LENGTH_BUCKETS = (100, 250, 500, 1000, 2000)
SUBMITTED_STATUSES = (Status.SUBMITTED, Status.APPROVED, Status.REJECTED, Status.CHANGES_REQUESTED)


def written_per_day(*, since, zone):
    """[{day, key, n}]: demonstrations started per day (in ``zone``) and category."""
    return list(
        Demonstration.objects.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .values("day", key=F("category__key"))
        .annotate(n=Count("id"))
        .order_by("day", "key")
    )


def status_by_category(demonstrations=None):
    """[{key, status, n}] over ``demonstrations`` (default: every demonstration)."""
    if demonstrations is None:
        demonstrations = Demonstration.objects.all()
    return list(
        demonstrations.values("status", key=F("category__key")).annotate(n=Count("id")).order_by("key", "status")
    )


def decisions_by_reviewer(*, since):
    """[{reviewer_name, decision, n}] for the reviews given since ``since``."""
    return list(
        Review.objects.filter(created_at__gte=since)
        .values("decision", reviewer_name=F("reviewer__username"))
        .annotate(n=Count("id"))
        .order_by("reviewer_name", "decision")
    )


def review_backlog():
    """How many demonstrations wait for a decision, and since when the oldest waits."""
    return Demonstration.objects.filter(status=Status.SUBMITTED).aggregate(
        waiting=Count("id"),
        oldest=Min("submitted_at"),
    )


def review_durations(*, since):
    """Seconds from submission to decision, for the newest reviews given since ``since``.

    Only reviews of a demonstration's current round are measured: ``submitted_at`` is the time
    of the latest submission, so earlier rounds have no start time left to measure from.
    """
    waited = ExpressionWrapper(F("created_at") - F("demonstration__submitted_at"), output_field=DurationField())
    rows = (
        Review.objects.filter(
            created_at__gte=since, round=F("demonstration__review_round"), demonstration__submitted_at__isnull=False
        )
        .annotate(waited=waited)
        .order_by("-created_at")
        .values_list("waited", flat=True)[:MAX_DURATIONS]
    )
    return [max(duration.total_seconds(), 0) for duration in rows if duration is not None]


def response_length_buckets():
    """[{key, bucket, n}]: submitted demonstrations by response length (characters).

    ``bucket`` is the index of the first bound of ``LENGTH_BUCKETS`` above the length, or
    ``len(LENGTH_BUCKETS)`` beyond the last one.
    """
    length = Length("response")
    bucket = Case(
        *(When(length__lt=bound, then=Value(index)) for index, bound in enumerate(LENGTH_BUCKETS)),
        default=Value(len(LENGTH_BUCKETS)),
        output_field=IntegerField(),
    )
    return list(
        Demonstration.objects.filter(status__in=SUBMITTED_STATUSES)
        .annotate(length=length, bucket=bucket)
        .values("bucket", key=F("category__key"))
        .annotate(n=Count("id"))
        .order_by("key", "bucket")
    )


def mean_lengths():
    """[{key, instruction, context, response}]: mean lengths of submitted demonstrations."""
    return list(
        Demonstration.objects.filter(status__in=SUBMITTED_STATUSES)
        .values(key=F("category__key"))
        .annotate(
            instruction=Avg(Length("instruction")), context=Avg(Length("context")), response=Avg(Length("response"))
        )
        .order_by("key")
    )


def top_contributors(*, limit=10):
    """[{author, approved, submitted, last}]: the people with the most approved demonstrations."""
    return list(
        Demonstration.objects.filter(status__in=SUBMITTED_STATUSES)
        .values(author_name=F("author__username"))
        .annotate(
            approved=Count("id", filter=Q(status=Status.APPROVED)), submitted=Count("id"), last=Max("submitted_at")
        )
        .order_by("-approved", "-submitted", "author_name")[:limit]
    )


def top_teams(*, limit=10):
    """[{team, approved, submitted, people}]: teams (from profiles) by approved demonstrations."""
    return list(
        Demonstration.objects.filter(status__in=SUBMITTED_STATUSES)
        .exclude(author__profile__team="")
        .exclude(author__profile__team__isnull=True)
        .values(team=F("author__profile__team"))
        .annotate(
            approved=Count("id", filter=Q(status=Status.APPROVED)),
            submitted=Count("id"),
            people=Count("author", distinct=True),
        )
        .order_by("-approved", "-submitted", "team")[:limit]
    )


def own_status_by_category(*, user):
    """[{key, status, n}] for one author."""
    return status_by_category(Demonstration.objects.filter(author=user))


def submitted_or_approved_by_category():
    """{category id: count of submitted and approved demonstrations}."""
    rows = (
        Demonstration.objects.filter(status__in=(Status.SUBMITTED, Status.APPROVED))
        .values("category_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["category_id"]: row["n"] for row in rows}
