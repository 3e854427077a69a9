"""Concurrent awards on real PostgreSQL connections never double count."""

import threading

import pytest
from django.db import connection, connections, transaction

from annotations.models import Demonstration, Status
from leaderboard import services
from leaderboard.models import PointEntry, Standing
from tests.factories import UserFactory

from .conftest import make_contest, submitted

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)"),
]


def run_together(count, work):
    barrier = threading.Barrier(count)
    errors = []

    def target(i):
        try:
            barrier.wait(timeout=10)
            work(i)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors


def test_the_same_approval_awarded_from_eight_connections_counts_once():
    contest = make_contest()
    author = UserFactory(username="author")
    demonstrations = [submitted(author) for _ in range(3)]
    Demonstration.objects.update(status=Status.APPROVED)
    for demonstration in demonstrations:

        def award(_i, pk=demonstration.pk):
            with transaction.atomic():
                services.on_demonstration_approved(Demonstration.objects.select_related("category").get(pk=pk))

        run_together(8, award)
    assert PointEntry.objects.filter(contest=contest).count() == 3
    assert Standing.objects.get(contest=contest, user=author).points == 30
    assert services.standings_differences() == []


def test_concurrent_awards_to_one_person_respect_the_daily_cap():
    contest = make_contest(daily_cap=35, categories=("open_qa", "brainstorming", "classification"))
    author = UserFactory(username="author")
    keys = ["open_qa", "brainstorming", "classification"] * 2
    demonstrations = [submitted(author, category=key) for key in keys]
    Demonstration.objects.update(status=Status.APPROVED)

    def award(i):
        with transaction.atomic():
            services.on_demonstration_approved(
                Demonstration.objects.select_related("category").get(pk=demonstrations[i].pk)
            )

    run_together(len(demonstrations), award)
    assert Standing.objects.get(contest=contest, user=author).points == 35
    assert sorted(PointEntry.objects.filter(contest=contest).values_list("points", flat=True)) == [0, 0, 5, 10, 10, 10]
    assert services.standings_differences() == []


def test_concurrent_reversals_write_one_opposite_entry():
    contest = make_contest()
    author = UserFactory(username="author")
    demonstration = submitted(author)
    Demonstration.objects.update(status=Status.APPROVED)
    with transaction.atomic():
        services.on_demonstration_approved(Demonstration.objects.select_related("category").get(pk=demonstration.pk))

    def reverse(_i):
        with transaction.atomic():
            services.on_approval_reversed(Demonstration.objects.get(pk=demonstration.pk))

    run_together(6, reverse)
    # One entry and one opposite entry each, on the contest and on the all-time board.
    for board in (contest, None):
        entries = PointEntry.objects.filter(contest=board).order_by("id")
        assert list(entries.values_list("points", flat=True)) == [10, -10]
        assert Standing.objects.get(contest=board, user=author).points == 0


def test_many_people_approved_at_once_in_two_contests_stay_consistent():
    make_contest("one", categories=("open_qa",))
    make_contest("two", base_points=3, categories=("open_qa",))
    authors = [UserFactory(username=f"author{i}") for i in range(8)]
    for i, author in enumerate(authors):
        services.set_team(user=author, team=f"Team {i % 2}")
    demonstrations = [submitted(author) for author in authors for _ in range(3)]
    Demonstration.objects.update(status=Status.APPROVED)

    def award(i):
        for demonstration in demonstrations[i::8]:
            with transaction.atomic():
                services.on_demonstration_approved(
                    Demonstration.objects.select_related("category").get(pk=demonstration.pk)
                )

    run_together(8, award)
    # 24 approvals: one entry in each contest, and one on the all-time board (the standard points).
    assert PointEntry.objects.filter(contest__isnull=False).count() == 48
    assert PointEntry.objects.filter(contest=None).count() == 24
    # The all-time board adds everything: 3 approvals × (10 standard + 10 in "one" + 3 in "two").
    assert Standing.objects.filter(contest=None).values_list("points", flat=True).distinct().get() == 69
    assert services.standings_differences() == []
