"""Undoing a decision just made: back in review, points reversed in the ledger, on time only."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from annotations.models import AuditEntry, Category, Notification, Review, ReviewClaim, Status
from leaderboard.models import PointEntry, Reason
from leaderboard.services import contests as contest_services
from review import services
from review.undo import UndoNotAllowed, review_undo, undo_window
from tests.factories import AdminFactory, ReviewerFactory

from .conftest import submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def contest(db):
    now = timezone.now()
    return contest_services.contest_create(
        categories=list(Category.objects.filter(key="open_qa")),
        name="Spring",
        slug="spring",
        starts_at=now - datetime.timedelta(days=1),
        ends_at=now + datetime.timedelta(days=1),
        base_points=10,
        review_points=1,
    )


def ledger(user, contest=None):
    entries = PointEntry.objects.filter(user=user)
    if contest is not None:
        entries = entries.filter(contest=contest)
    return list(entries.order_by("id").values_list("reason", "points"))


def test_undoing_an_approval_puts_it_back_in_review_and_reverses_its_points(user, reviewer, contest):
    demonstration = submit(user)
    review = services.review_approve(demonstration=demonstration, reviewer=reviewer, rating=4)
    assert ledger(user, contest) == [(Reason.APPROVAL, 10)]
    assert sum(points for _, points in ledger(user)) > 10  # the all-time standard points too

    undone = review_undo(review=review, reviewer=reviewer)

    demonstration.refresh_from_db()
    assert undone.pk == demonstration.pk
    assert demonstration.status == Status.SUBMITTED
    assert demonstration.version == review.demonstration.version + 1
    assert ledger(user, contest) == [(Reason.APPROVAL, 10), (Reason.APPROVAL_REVERSED, -10)]
    assert sum(points for _, points in ledger(user)) == 0
    assert [reason for reason, _ in ledger(user)].count(Reason.APPROVAL_REVERSED) == 2
    assert not Review.objects.filter(pk=review.pk).exists()
    assert Review.all_objects.get(pk=review.pk).withdrawn_at is not None
    assert ReviewClaim.objects.get(demonstration=demonstration).reviewer == reviewer
    entry = AuditEntry.objects.filter(demonstration=demonstration).latest("id")
    assert entry.action == AuditEntry.Action.UNDO
    assert entry.before["status"] == Status.APPROVED and entry.after["status"] == Status.SUBMITTED
    assert entry.after["decision"] == "approve"
    assert "withdrawn" in Notification.objects.filter(recipient=user).latest("id").text


def test_deciding_again_after_an_undo_reuses_the_decision_so_the_reviewer_is_paid_once(user, reviewer, contest):
    demonstration = submit(user)
    first = services.review_approve(demonstration=demonstration, reviewer=reviewer)
    review_undo(review=first, reviewer=reviewer)
    demonstration.refresh_from_db()
    second = services.review_reject(demonstration=demonstration, reviewer=reviewer, reason="duplicate")

    assert second.pk == first.pk
    assert Review.all_objects.filter(demonstration=demonstration).count() == 1
    assert Review.objects.get().decision == "reject" and Review.objects.get().reason == "duplicate"
    demonstration.refresh_from_db()
    assert demonstration.status == Status.REJECTED
    assert ledger(reviewer, contest) == [(Reason.REVIEW, 1)]


def test_a_rejection_undone_is_waiting_for_review_again(user, reviewer):
    demonstration = submit(user)
    review = services.review_reject(demonstration=demonstration, reviewer=reviewer, reason="off_topic")
    review_undo(review=review, reviewer=reviewer)
    demonstration.refresh_from_db()
    assert demonstration.status == Status.SUBMITTED
    assert services.review_claim_next(reviewer=reviewer) == demonstration


def test_too_late_someone_else_or_twice_changes_nothing(user, reviewer):
    demonstration = submit(user)
    review = services.review_approve(demonstration=demonstration, reviewer=reviewer)
    late = review.created_at + undo_window() + datetime.timedelta(seconds=1)
    with pytest.raises(UndoNotAllowed, match="too late"):
        review_undo(review=review, reviewer=reviewer, now=late)
    with pytest.raises(PermissionDenied):
        review_undo(review=review, reviewer=ReviewerFactory(username="sam"))
    demonstration.refresh_from_db()
    assert demonstration.status == Status.APPROVED
    assert Review.objects.filter(pk=review.pk).exists()

    review_undo(review=review, reviewer=reviewer)
    with pytest.raises(UndoNotAllowed, match="already undone"):
        review_undo(review=Review.all_objects.get(pk=review.pk), reviewer=reviewer)


def test_no_undo_once_the_demonstration_moved_on(user, reviewer):
    demonstration = submit(user)
    review = services.review_approve(demonstration=demonstration, reviewer=reviewer)
    services.review_reopen(demonstration=demonstration, actor=AdminFactory(username="ada"))
    with pytest.raises(UndoNotAllowed, match="changed after your decision"):
        review_undo(review=review, reviewer=reviewer)
    demonstration.refresh_from_db()
    assert demonstration.status == Status.SUBMITTED
    assert demonstration.review_round == 2


def test_the_api_undoes_a_decision_once(api_for, user, reviewer):
    demonstration = submit(user)
    client = api_for(reviewer)
    decided = client.post(
        f"/api/v1/demonstrations/{demonstration.public_id}/review/",
        {"decision": "approve", "version": demonstration.version},
        format="json",
    )
    assert decided.status_code == 201
    undo = client.post(f"/api/v1/demonstrations/{demonstration.public_id}/undo/")
    assert undo.status_code == 200
    assert undo.json()["status"] == "submitted"
    again = client.post(f"/api/v1/demonstrations/{demonstration.public_id}/undo/")
    assert again.status_code == 409
    assert again.json()["code"] == "undo_not_allowed"
    other = api_for(ReviewerFactory(username="sam")).post(f"/api/v1/demonstrations/{demonstration.public_id}/undo/")
    assert other.status_code == 404


def test_the_queue_offers_the_undo_after_a_decision_and_the_page_takes_it_back(client_for, user, reviewer):
    demonstration = submit(user, response="Email me at jo@example.com about autumn leaves and chlorophyll.")
    client = client_for(reviewer)
    page = client.get(reverse("review-queue")).content.decode()
    assert '<option value="">Choose a reason…</option>' in page
    assert '<option value="personal_data" selected>' in page
    response = client.post(
        reverse("review-decide", args=[demonstration.public_id]),
        {"decision": "reject", "reason": "personal_data", "version": demonstration.version},
    )
    assert response.status_code == 302
    page = client.get(reverse("review-queue")).content.decode()
    assert Review.objects.get().decision == "reject"
    assert reverse("review-undo", args=[demonstration.public_id]) in page
    assert "Recorded: Reject" in page

    response = client.post(reverse("review-undo", args=[demonstration.public_id]))
    assert response.status_code == 302
    assert response["Location"] == reverse("review-open", args=[demonstration.public_id])
    demonstration.refresh_from_db()
    assert demonstration.status == Status.SUBMITTED
    assert not Review.objects.exists()
    queue = client.get(reverse("review-queue")).content.decode()
    assert reverse("review-undo", args=[demonstration.public_id]) not in queue
