"""Redis down for the whole site: cache and broker both refuse connections (real dead port).

Reviewers still review (the decision is stored even though its e-mail cannot be queued),
leaderboards are read from the database, and an export request says at once that the queue
is unavailable, with nothing lost.
"""

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.throttling import SimpleRateThrottle

from annotations.models import Notification, Review, Status
from datasets.models import Release
from dolly_collect.celery import app as celery_app
from leaderboard.models import PointEntry
from tests.factories import AdminFactory, DemonstrationFactory, ReviewerFactory, UserFactory, category
from tests.leaderboard.conftest import make_contest

from .services import dead_redis_url


@pytest.fixture
def redis_down(settings, monkeypatch, tmp_path):
    url = dead_redis_url()
    settings.CACHES = {
        "default": {
            "BACKEND": "dolly_collect.cache.ResilientRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "dolly",
            "OPTIONS": {"RETRY_AFTER": 0},
        },
    }
    settings.MEDIA_ROOT = str(tmp_path)
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "600/min", "anon": "60/min", "token": "10/min"})
    saved = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    celery_app.conf.update(broker_url=url, task_always_eager=False)
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield url
    celery_app.conf.update(broker_url=saved[0], task_always_eager=saved[1])
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def submitted_demonstration(seeded):
    author = UserFactory(username="writer", email="writer@example.com")
    return DemonstrationFactory(
        author=author, status=Status.SUBMITTED, category=category("open_qa"), submitted_at=timezone.now()
    )


def test_a_reviewer_approves_over_the_api(redis_down, api_for, submitted_demonstration):
    make_contest(categories=("open_qa",))
    reviewer = ReviewerFactory(username="rev")
    url = reverse("api:demonstration-review", kwargs={"id": submitted_demonstration.public_id})
    response = api_for(reviewer).post(
        url, {"decision": "approve", "version": submitted_demonstration.version}, format="json"
    )
    assert response.status_code in (200, 201), response.content
    submitted_demonstration.refresh_from_db()
    assert submitted_demonstration.status == Status.APPROVED
    assert Review.objects.filter(demonstration=submitted_demonstration).count() == 1
    assert Notification.objects.filter(recipient=submitted_demonstration.author).exists()
    assert PointEntry.objects.filter(user=submitted_demonstration.author).exists()


def test_a_reviewer_sends_back_from_the_review_page(redis_down, client_for, submitted_demonstration):
    reviewer = ReviewerFactory(username="rev")
    client = client_for(reviewer)
    assert client.get(reverse("review-queue")).status_code == 200
    response = client.post(
        reverse("review-decide", kwargs={"public_id": submitted_demonstration.public_id}),
        {
            "decision": "request_changes",
            "reason": Review.Reason.choices[0][0],
            "comment": "Add a source.",
            "version": submitted_demonstration.version,
        },
    )
    assert response.status_code == 302
    submitted_demonstration.refresh_from_db()
    assert submitted_demonstration.status == Status.CHANGES_REQUESTED


def test_leaderboards_are_read_from_the_database(redis_down, client_for, api_for, submitted_demonstration):
    contest = make_contest(categories=("open_qa",))
    viewer = UserFactory(username="viewer")
    assert client_for(viewer).get(reverse("leaderboard")).status_code == 200
    assert client_for(viewer).get(reverse("contest-leaderboard", kwargs={"slug": contest.slug})).status_code == 200
    assert api_for(viewer).get(reverse("api:contest-leaderboard", kwargs={"slug": contest.slug})).status_code == 200


def test_an_export_says_the_queue_is_unavailable(redis_down, client_for, submitted_demonstration):
    admin = AdminFactory(username="boss")
    client = client_for(admin)
    response = client.post(
        reverse("datasets:release-create"), {"statuses": ["approved"], "formats": ["jsonl"], "seed": "42"}, follow=True
    )
    assert response.status_code == 200
    release = Release.objects.get()
    assert release.status == Release.State.FAILED
    assert "queue is unavailable" in release.error
    assert release.files == []
    assert "queue is unavailable" in response.content.decode()


def test_an_export_over_the_api_reports_the_queue_failure(redis_down, api_for, submitted_demonstration):
    admin = AdminFactory(username="boss")
    response = api_for(admin).post(reverse("api:export-list"), {"formats": ["jsonl"]}, format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "failed"
    assert "queue is unavailable" in body["error"]


@pytest.mark.django_db(transaction=True)
def test_e_mails_that_could_not_be_queued_are_sent_later(
    redis_down, api_for, submitted_demonstration, settings, mailoutbox
):
    import datetime

    from django.core.management import CommandError, call_command

    reviewer = ReviewerFactory(username="rev")
    url = reverse("api:demonstration-review", kwargs={"id": submitted_demonstration.public_id})
    api_for(reviewer).post(url, {"decision": "approve", "version": submitted_demonstration.version}, format="json")
    notification = Notification.objects.get(recipient=submitted_demonstration.author)
    assert notification.emailed_at is None
    with pytest.raises(CommandError, match="could not be queued"):
        call_command("send_pending_notifications", "--older-than", "0")
    assert mailoutbox == []

    celery_app.conf.task_always_eager = True
    Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=30))
    call_command("send_pending_notifications")
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["writer@example.com"]
    call_command("send_pending_notifications")
    assert len(mailoutbox) == 1
