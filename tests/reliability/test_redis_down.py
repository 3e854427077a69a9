"""With Redis unreachable (a real refused connection, not a mock) nobody's work is lost or 500s."""

import time

import pytest
from celery import Celery
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from rest_framework.throttling import SimpleRateThrottle

from annotations.models import Demonstration, Status
from core.tasks import enqueue

from .services import dead_redis_url


@pytest.fixture
def redis_down(settings, monkeypatch):
    settings.CACHES = {
        "default": {
            "BACKEND": "dolly_collect.cache.ResilientRedisCache",
            "LOCATION": dead_redis_url(),
            "KEY_PREFIX": "dolly",
            "OPTIONS": {"RETRY_AFTER": 0},
        },
    }
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "600/min", "anon": "60/min", "token": "10/min"})
    return settings.CACHES["default"]["LOCATION"]


@pytest.fixture
def dead_broker():
    """A Celery app whose broker is a Redis nobody answers on, with one task that records its calls."""
    app = Celery("dead-broker", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(broker_url=dead_redis_url(), task_always_eager=False)
    calls = []

    @app.task(name=f"tests.record-{id(calls)}")
    def record(value):
        calls.append(value)

    return record


def test_the_cache_answers_misses_instead_of_raising(redis_down):
    assert cache.get("anything", "default") == "default"
    cache.set("anything", 1)
    assert cache.add("other", 1) is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.get_or_set("computed", lambda: 42) == 42
    with pytest.raises(ValueError):
        cache.incr("counter")


def test_a_contributor_writes_saves_and_submits_over_the_api(redis_down, api_for, user, demonstration_factory):
    api = api_for(user)
    created = api.post(
        reverse("api:demonstration-list"),
        {
            "category": "open_qa",
            "instruction": "Why is the sky blue?",
            "response": "Rayleigh scattering.",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    public_id = created.json()["id"]
    edited = api.patch(
        reverse("api:demonstration-detail", kwargs={"id": public_id}),
        {"version": 1, "response": "Because of Rayleigh scattering of sunlight."},
        format="json",
    )
    assert edited.status_code == 200, edited.content
    submitted = api.post(reverse("api:demonstration-submit", kwargs={"id": public_id}), {}, format="json")
    assert submitted.status_code == 200
    stored = Demonstration.objects.get(public_id=public_id)
    assert stored.status == Status.SUBMITTED
    assert stored.response == "Because of Rayleigh scattering of sunlight."
    assert stored.revisions.count() == 2


def test_a_contributor_saves_and_submits_from_the_web_form(redis_down, client_for, user):
    client = client_for(user)
    response = client.post(
        reverse("demonstration-create"),
        {
            "category": "brainstorming",
            "instruction": "Name three uses for a brick.",
            "response": "A doorstop, a bookend and a garden border.",
            "action": "save",
        },
    )
    assert response.status_code == 302
    draft = Demonstration.objects.get(author=user)
    assert draft.status == Status.DRAFT
    response = client.post(
        reverse("demonstration-submit", kwargs={"public_id": draft.public_id}), {"version": draft.version}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED
    assert client.get(reverse("demonstration-list")).status_code == 200


def test_sign_in_works_while_redis_is_down(redis_down, client, user):
    user.set_password("a-long-enough-passphrase")
    user.save()
    response = client.post(reverse("login"), {"username": user.username, "password": "a-long-enough-passphrase"})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_enqueue_with_the_broker_down_reports_instead_of_raising(dead_broker):
    failures = []
    started = time.monotonic()
    outcome = enqueue(dead_broker, "x", on_failure=failures.append)
    # Without the bounded retry policy, kombu keeps reconnecting for minutes; a busy machine
    # can stretch the single quick attempt to a few seconds.
    assert time.monotonic() - started < 15
    assert outcome.sent is False
    assert outcome.error
    assert len(failures) == 1


@pytest.mark.django_db(transaction=True)
def test_enqueue_inside_a_transaction_waits_for_the_commit(dead_broker):
    failures = []
    with transaction.atomic():
        outcome = enqueue(dead_broker, "x", on_failure=failures.append)
        assert outcome.sent is None
    assert outcome.sent is False
    assert len(failures) == 1


@pytest.mark.django_db(transaction=True)
def test_nothing_is_sent_for_a_transaction_that_rolled_back(dead_broker, user):
    failures = []
    with pytest.raises(RuntimeError), transaction.atomic():
        Demonstration.objects.filter(author=user).update(instruction="changed")
        outcome = enqueue(dead_broker, "x", on_failure=failures.append)
        raise RuntimeError("the request failed")
    assert outcome.sent is None
    assert failures == []


@pytest.mark.django_db(transaction=True)
def test_a_committed_enqueue_runs_the_task(settings):
    app = Celery("eager", set_as_current=False)
    app.conf.task_always_eager = True
    calls = []

    @app.task(name="tests.record-eager")
    def record(value):
        calls.append(value)

    with transaction.atomic():
        outcome = enqueue(record, "done")
        assert calls == []
    assert calls == ["done"]
    assert outcome.sent is True
