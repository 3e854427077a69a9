"""Awards count for the contests that count now, though the contests found last time are remembered."""

import datetime

import pytest
from django.db import connection, transaction
from django.utils import timezone

from annotations.models import Category, Review
from leaderboard import services
from leaderboard.models import Contest, PointEntry
from tests.factories import ReviewerFactory, UserFactory

from .conftest import approve, make_contest, submitted

pytestmark = pytest.mark.django_db


def contest_points(author):
    demonstration = submitted(author)
    approve(demonstration)
    return dict(
        PointEntry.objects.filter(demonstration=demonstration, contest__isnull=False).values_list(
            "contest__slug", "points"
        )
    )


def test_a_contest_changed_created_or_ended_between_two_approvals_counts_as_it_is_now():
    author = UserFactory(username="author")
    spring = make_contest("spring", base_points=10)
    assert contest_points(author) == {"spring": 10}
    Contest.objects.filter(pk=spring.pk).update(base_points=20)  # no save(), no signal
    assert contest_points(author) == {"spring": 20}
    make_contest("summer", base_points=5)
    assert contest_points(author) == {"spring": 20, "summer": 5}
    spring.categories.remove(Category.objects.get(key="open_qa"))
    assert contest_points(author) == {"summer": 5}
    Contest.objects.filter(slug="summer").update(ends_at=timezone.now() - datetime.timedelta(days=1))
    assert contest_points(author) == {}
    assert services.standings_differences() == []


def test_reviewer_points_follow_the_contests_paying_for_reviews_now():
    author, reviewer = UserFactory(username="author"), ReviewerFactory(username="judge")
    spring = make_contest("spring", review_points=2)

    def review_points():
        with transaction.atomic():
            review = Review.objects.create(
                demonstration=submitted(author), reviewer=reviewer, decision="approve", round=1
            )
            return [entry.points for entry in services.on_review_recorded(review)]

    assert review_points() == [2]
    assert review_points() == [2]
    Contest.objects.filter(pk=spring.pk).update(review_points=0)
    assert review_points() == []
    Contest.objects.filter(pk=spring.pk).update(review_points=3)
    assert review_points() == [3]
    assert services.standings_differences() == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the contests are remembered on PostgreSQL only")
def test_unchanged_contests_cost_no_round_trip_of_their_own(django_assert_num_queries):
    author = UserFactory(username="author")
    make_contest("spring")
    approve(submitted(author))
    demonstration = submitted(author)
    with transaction.atomic():
        locked = type(demonstration).objects.select_for_update().select_related("category").get(pk=demonstration.pk)
        locked.status = "approved"
        locked.save(update_fields=["status"])
        with django_assert_num_queries(2):  # the lock with the contexts and the contests' check; the writes
            entries = services.on_demonstration_approved(locked)
    assert len(entries) == 2
