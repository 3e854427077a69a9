"""The queue hands each submission to one reviewer at a time."""

import importlib
import threading
import time
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from annotations.models import Category, Demonstration, ReviewClaim, Status
from review import claims, selectors, services
from review.exceptions import AlreadyDecided
from tests.factories import ReviewerFactory, UserFactory

from .conftest import postgresql_only, submit


def make_items(author, n, **kwargs):
    items = []
    for i in range(n):
        items.append(
            submit(author, instruction=f"Distinct question {i}: how do tides work near {i} harbours?", **kwargs)
        )
    return items


@pytest.mark.django_db
class TestQueue:
    def test_oldest_submission_first_and_claims_are_exclusive(self, user, reviewer, second_reviewer):
        first, second = make_items(user, 2)
        Demonstration.objects.filter(pk=second.pk).update(submitted_at=first.submitted_at - timedelta(minutes=5))
        assert services.review_claim_next(reviewer=reviewer).pk == second.pk
        assert services.review_claim_next(reviewer=second_reviewer).pk == first.pk
        assert services.review_claim_next(reviewer=UserFactory.create(username="x") and ReviewerFactory()) is None

    def test_reloading_returns_the_claim_already_held(self, user, reviewer):
        first, _second = make_items(user, 2)
        assert services.review_claim_next(reviewer=reviewer).pk == first.pk
        assert services.review_claim_next(reviewer=reviewer).pk == first.pk
        assert ReviewClaim.objects.filter(reviewer=reviewer).count() == 1

    def test_an_expired_claim_frees_the_item(self, user, reviewer, second_reviewer):
        (item,) = make_items(user, 1)
        services.review_claim_next(reviewer=reviewer)
        assert services.review_claim_next(reviewer=second_reviewer) is None
        ReviewClaim.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        assert services.review_claim_next(reviewer=second_reviewer).pk == item.pk
        assert ReviewClaim.objects.get().reviewer == second_reviewer

    def test_take_claim_guard(self, user, reviewer, second_reviewer):
        (item,) = make_items(user, 1)
        now = timezone.now()
        assert claims._take_claim(item.pk, reviewer, now)
        assert not claims._take_claim(item.pk, second_reviewer, now)
        assert claims._take_claim(item.pk, reviewer, now)
        assert ReviewClaim.objects.get().reviewer == reviewer
        assert claims._take_claim(item.pk, second_reviewer, now + timedelta(minutes=11))
        assert ReviewClaim.objects.get().reviewer == second_reviewer

    def test_own_work_and_answers_to_own_instructions_are_not_offered(self, reviewer, user):
        submit(reviewer, instruction="My own question about tides?")
        submit(user, instruction="Answer to the reviewer's instruction about tides?", instruction_author=reviewer)
        assert services.review_claim_next(reviewer=reviewer) is None

    def test_skip_hides_the_item_until_resubmitted(self, user, reviewer):
        first, second = make_items(user, 2)
        assert services.review_claim_next(reviewer=reviewer).pk == first.pk
        services.review_skip(demonstration=first, reviewer=reviewer)
        assert services.review_claim_next(reviewer=reviewer).pk == second.pk
        services.review_skip(demonstration=second, reviewer=reviewer)
        assert services.review_claim_next(reviewer=reviewer) is None
        assert services.review_skips_clear(reviewer=reviewer) == 2
        assert services.review_claim_next(reviewer=reviewer).pk == first.pk

    def test_decided_items_leave_the_queue_and_release_the_claim(self, user, reviewer):
        (item,) = make_items(user, 1)
        services.review_claim_next(reviewer=reviewer)
        services.review_approve(demonstration=item, reviewer=reviewer)
        assert not ReviewClaim.objects.exists()
        assert services.review_claim_next(reviewer=reviewer) is None

    def test_double_review_goes_to_a_second_reviewer_only(self, user, reviewer, second_reviewer):
        Category.objects.filter(key="open_qa").update(required_approvals=2)
        (item,) = make_items(user, 1)
        services.review_claim_next(reviewer=reviewer)
        services.review_approve(demonstration=item, reviewer=reviewer)
        assert services.review_claim_next(reviewer=reviewer) is None
        assert services.review_claim_next(reviewer=second_reviewer).pk == item.pk

    def test_filters(self, user, other_user, reviewer):
        open_qa = make_items(user, 1)[0]
        brainstorm = submit(
            other_user,
            key="brainstorming",
            instruction="Ideas for a rainy team day?",
            response="Board games, a cooking class, a quiz, a short film festival in the office.",
        )
        flagged = submit(other_user, instruction="Who do I call?", response="Call 020 7946 0958 any time.")
        now = timezone.now()

        def ids(**filters):
            return list(
                selectors.review_queue(
                    reviewer=reviewer, filters=selectors.QueueFilters(**filters), now=now
                ).values_list("pk", flat=True)
            )

        assert ids() == [open_qa.pk, brainstorm.pk, flagged.pk]
        assert ids(category_id=Category.objects.get(key="brainstorming").pk) == [brainstorm.pk]
        assert ids(flag="personal_data") == [flagged.pk]
        assert ids(author_id=user.pk) == [open_qa.pk]
        assert ids(author_id=other_user.pk, flag="personal_data") == [flagged.pk]

    def test_filtered_claim_releases_a_claim_that_no_longer_matches(self, user, other_user, reviewer):
        first = make_items(user, 1)[0]
        other = submit(other_user, instruction="Another question on a different topic?")
        assert services.review_claim_next(reviewer=reviewer).pk == first.pk
        picked = services.review_claim_next(reviewer=reviewer, filters=selectors.QueueFilters(author_id=other_user.pk))
        assert picked.pk == other.pk
        assert list(ReviewClaim.objects.values_list("demonstration_id", flat=True)) == [other.pk]

    def test_contributors_cannot_claim(self, user, other_user):
        make_items(user, 1)
        with pytest.raises(Exception) as error:
            services.review_claim_next(reviewer=other_user)
        assert error.type.__name__ == "NotAReviewer"


def _in_thread(target, results, key):
    def run():
        try:
            results[key] = target()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[key] = exc
        finally:
            close_old_connections()
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.fixture
def seeded(transactional_db):
    """Transactional tests start from an emptied database: put back the categories the migrations seed."""
    from django.apps import apps

    for module in ("0002_seed_categories", "0005_quality_check_data"):
        importlib.import_module(f"annotations.migrations.{module}").seed(apps, None)


@postgresql_only
@pytest.mark.usefixtures("seeded")
class TestConcurrencyOnPostgreSQL:
    def test_a_claim_in_progress_is_skipped_not_waited_for(self):
        author = UserFactory(username="author")
        first, second = make_items(author, 2)
        rita, sam = ReviewerFactory(username="rita"), ReviewerFactory(username="sam")
        holding, release, results = threading.Event(), threading.Event(), {}

        def rita_claims_and_holds_the_transaction():
            with transaction.atomic():
                claimed = services.review_claim_next(reviewer=rita)
                holding.set()
                release.wait(10)
            return claimed

        thread = _in_thread(rita_claims_and_holds_the_transaction, results, "rita")
        assert holding.wait(10)
        started = time.monotonic()
        sams = services.review_claim_next(reviewer=sam)
        waited = time.monotonic() - started
        release.set()
        thread.join(10)
        assert results["rita"].pk == first.pk
        assert sams.pk == second.pk
        assert waited < 2
        assert dict(ReviewClaim.objects.values_list("demonstration_id", "reviewer_id")) == {
            first.pk: rita.pk,
            second.pk: sam.pk,
        }

    def test_many_reviewers_at_once_never_share_an_item(self):
        author = UserFactory(username="author")
        make_items(author, 12)
        reviewers = [ReviewerFactory(username=f"reviewer{i}") for i in range(8)]
        barrier, results = threading.Barrier(len(reviewers)), {}

        def claim(reviewer):
            def run():
                barrier.wait(10)
                return services.review_claim_next(reviewer=reviewer)

            return run

        threads = [_in_thread(claim(r), results, r.pk) for r in reviewers]
        for thread in threads:
            thread.join(20)
        claimed = [results[r.pk] for r in reviewers]
        assert all(isinstance(item, Demonstration) for item in claimed), claimed
        assert len({item.pk for item in claimed}) == len(reviewers)
        assert ReviewClaim.objects.count() == len(reviewers)

    def test_decision_race_second_is_refused_never_lost(self):
        author = UserFactory(username="author")
        (item,) = make_items(author, 1)
        rita, sam = ReviewerFactory(username="rita"), ReviewerFactory(username="sam")
        decided, release, results = threading.Event(), threading.Event(), {}

        def rita_approves_slowly():
            with transaction.atomic():
                review = services.review_approve(demonstration=item, reviewer=rita, expected_version=1)
                decided.set()
                release.wait(10)
            return review

        def sam_rejects():
            return services.review_reject(demonstration=item, reviewer=sam, reason="off_topic", expected_version=1)

        first = _in_thread(rita_approves_slowly, results, "rita")
        assert decided.wait(10)
        second = _in_thread(sam_rejects, results, "sam")
        time.sleep(0.3)
        assert "sam" not in results, "the second decision must wait for the row lock"
        release.set()
        first.join(10)
        second.join(10)
        assert isinstance(results["sam"], AlreadyDecided)
        assert "rita" in str(results["sam"])
        item.refresh_from_db()
        assert item.status == Status.APPROVED
        assert list(item.reviews.values_list("reviewer__username", flat=True)) == ["rita"]


@pytest.mark.django_db
def test_contest_filter_keeps_what_the_contest_counts(user, reviewer, api_for):
    from leaderboard.models import Contest

    now = timezone.now()
    contest = Contest.objects.create(
        name="Spring", slug="spring", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=1)
    )
    contest.categories.set([Category.objects.get(key="brainstorming")])
    counted = submit(
        user,
        key="brainstorming",
        instruction="Ideas for a spring team outing?",
        response="A picnic, a guided city walk, a cooking class or a boat trip on the lake.",
    )
    submit(user, instruction="A question in a category outside the contest?")
    late = submit(
        user,
        key="brainstorming",
        instruction="Ideas for an autumn team outing?",
        response="Apple picking, a forest walk, a pottery class or a board-game evening.",
    )
    Demonstration.objects.filter(pk=late.pk).update(submitted_at=now + timedelta(days=2))
    filters = selectors.QueueFilters(contest=selectors.contest_window("spring"))
    assert list(selectors.review_queue(reviewer=reviewer, filters=filters, now=now).values_list("pk", flat=True)) == [
        counted.pk
    ]
    assert api_for(reviewer).get("/api/v1/review/next/", {"contest": "spring"}).json()["id"] == str(counted.public_id)
    assert api_for(reviewer).get("/api/v1/review/next/", {"contest": "nope"}).status_code == 400


@pytest.mark.django_db
def test_flags_know_whether_their_item_waits_for_review(user, reviewer, admin_user):
    from annotations.models import QualityFlag

    item = submit(user, response="Call 020 7946 0958 to hear why the sea is salty, any time.")
    assert list(QualityFlag.objects.values_list("in_queue", flat=True)) == [True]
    only_flagged = selectors.QueueFilters(flag="personal_data")
    assert services.review_claim_next(reviewer=reviewer, filters=only_flagged).pk == item.pk
    services.review_approve(demonstration=item, reviewer=reviewer)
    assert list(QualityFlag.objects.values_list("in_queue", flat=True)) == [False]
    assert services.review_claim_next(reviewer=reviewer, filters=only_flagged) is None
    services.review_reopen(demonstration=item, actor=admin_user)
    assert list(QualityFlag.objects.values_list("in_queue", flat=True)) == [True]
    assert services.review_claim_next(reviewer=reviewer, filters=only_flagged).pk == item.pk
