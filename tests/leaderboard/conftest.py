import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from annotations.models import Category, Demonstration, Review, Status
from leaderboard import services
from leaderboard.models import Contest
from tests.factories import DemonstrationFactory, ReviewerFactory, UserFactory


def make_contest(slug="spring", *, categories=("open_qa", "closed_qa"), starts_at=None, ends_at=None, **rules):
    now = timezone.now()
    contest = Contest.objects.create(
        name=slug.title(),
        slug=slug,
        starts_at=starts_at or now - datetime.timedelta(days=10),
        ends_at=ends_at or now + datetime.timedelta(days=10),
        **rules,
    )
    contest.categories.set(Category.objects.filter(key__in=categories))
    return contest


def submitted(author, *, category="open_qa", at=None, **fields):
    """A demonstration as the submit service leaves it."""
    return DemonstrationFactory(
        author=author,
        category=Category.objects.get(key=category),
        status=Status.SUBMITTED,
        submitted_at=at or timezone.now(),
        **fields,
    )


def approve(demonstration, *, reviewer=None, rating=None):
    """Approve as the review service does: lock, change the status, record the review, award."""
    reviewer = reviewer or ReviewerFactory(username="approver")
    with transaction.atomic():
        locked = Demonstration.objects.select_for_update().select_related("category").get(pk=demonstration.pk)
        locked.status = Status.APPROVED
        locked.save(update_fields=["status"])
        review = Review.objects.create(
            demonstration=locked,
            reviewer=reviewer,
            decision=Review.Decision.APPROVE,
            rating=rating,
            round=locked.reviews.count() + 1,
        )
        services.on_review_recorded(review)
        entries = services.on_demonstration_approved(locked, review=review)
        return [entry for entry in entries if entry.contest_id is not None]  # the contests' entries


def reopen(demonstration):
    with transaction.atomic():
        locked = Demonstration.objects.select_for_update().get(pk=demonstration.pk)
        locked.status = Status.SUBMITTED
        locked.save(update_fields=["status"])
        return [entry for entry in services.on_approval_reversed(locked) if entry.contest_id is not None]


@pytest.fixture
def contest(db):
    return make_contest()


@pytest.fixture
def people(db):
    return [UserFactory(username=name) for name in ("ann", "ben", "cat", "dan")]
