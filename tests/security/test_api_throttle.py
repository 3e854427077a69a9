"""API requests are rate limited per user (tests run with very high rates; these lower them)."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle


@pytest.fixture
def low_rates(monkeypatch):
    cache.clear()
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "5/min", "anon": "3/min", "token": "2/min"})
    yield
    cache.clear()


def test_each_user_has_their_own_budget(low_rates, api_for, user, other_user):
    url = reverse("api:category-list")
    alice = api_for(user)
    statuses = [alice.get(url).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    assert api_for(other_user).get(url).status_code == 200


def test_the_budget_follows_the_user_across_tokens_and_sessions(low_rates, user, client):
    url = reverse("api:category-list")
    token = Token.objects.create(user=user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert [api.get(url).status_code for _ in range(3)] == [200] * 3
    client.force_login(user)
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]


def test_a_throttled_answer_says_when_to_retry(low_rates, api_for, user):
    url = reverse("api:category-list")
    api = api_for(user)
    for _ in range(5):
        api.get(url)
    response = api.get(url)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0


def test_token_requests_are_throttled_per_address(low_rates, db):
    api = APIClient()
    url = reverse("api:api-token-obtain")
    statuses = [api.post(url, {"username": "x", "password": "y"}).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]
