"""The REST API contract: /api/v1/categories/, /api/v1/demonstrations/, tokens, errors, throttling, schema."""

import io
import re
import uuid

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from annotations.models import Category, Demonstration, Origin, Revision, Status
from tests.factories import DemonstrationFactory, category

pytestmark = pytest.mark.django_db

SOURCE = "https://en.wikipedia.org/wiki/Lighthouse"
CATEGORIES = "/api/v1/categories/"
DEMONSTRATIONS = "/api/v1/demonstrations/"
TOKEN = "/api/v1/auth/token/"


def detail(demonstration):
    return f"{DEMONSTRATIONS}{demonstration.public_id}/"


def submit_url(demonstration):
    return f"{DEMONSTRATIONS}{demonstration.public_id}/submit/"


def payload(**fields):
    return {"category": "open_qa", "instruction": "Why is the sea salty?", "response": "Minerals."} | fields


# Categories ------------------------------------------------------------------------------------


def test_categories_lists_the_active_categories_with_guidelines_and_examples(api_for, user):
    Category.objects.filter(key="general_qa").update(is_active=False)
    response = api_for(user).get(CATEGORIES)
    assert response.status_code == 200
    body = response.json()
    assert [c["key"] for c in body] == list(Category.objects.filter(is_active=True).values_list("key", flat=True))
    assert len(body) == 7
    closed = next(c for c in body if c["key"] == "closed_qa")
    assert closed["needs_context"] is True
    assert closed["guidelines"] and closed["example_instruction"] and closed["example_context"]
    assert set(closed) == {
        "key",
        "name",
        "summary",
        "needs_context",
        "guidelines",
        "example_instruction",
        "example_context",
        "example_response",
    }


# List ------------------------------------------------------------------------------------------


@pytest.fixture
def mixed(user, other_user):
    DemonstrationFactory(author=user, instruction="draft open")
    DemonstrationFactory(author=user, status=Status.SUBMITTED, instruction="submitted open")
    DemonstrationFactory(
        author=user, status=Status.APPROVED, instruction="approved brainstorm", category=category("brainstorming")
    )
    DemonstrationFactory(author=other_user, instruction="not mine")
    DemonstrationFactory(author=other_user, status=Status.SUBMITTED, instruction="not mine either")


def instructions(response):
    return sorted(d["instruction"] for d in response.json()["results"])


def test_the_list_holds_only_my_demonstrations(api_for, user, mixed):
    response = api_for(user).get(DEMONSTRATIONS)
    assert response.status_code == 200
    assert response.json()["count"] == 3
    assert instructions(response) == ["approved brainstorm", "draft open", "submitted open"]


def test_a_reviewer_lists_only_their_own_too(api_for, reviewer, mixed):
    assert api_for(reviewer).get(DEMONSTRATIONS).json()["count"] == 0


def test_the_list_filters_by_status_and_category(api_for, user, mixed):
    api = api_for(user)
    assert instructions(api.get(DEMONSTRATIONS, {"status": "submitted"})) == ["submitted open"]
    assert instructions(api.get(DEMONSTRATIONS, {"category": "brainstorming"})) == ["approved brainstorm"]
    assert instructions(api.get(DEMONSTRATIONS, {"category": "open_qa", "status": "draft"})) == ["draft open"]
    assert instructions(api.get(DEMONSTRATIONS, {"category": "nope"})) == []


def test_an_unknown_status_filter_is_a_400_naming_it(api_for, user, mixed):
    response = api_for(user).get(DEMONSTRATIONS, {"status": "bogus"})
    assert response.status_code == 400
    assert list(response.json()) == ["status"]


def test_the_list_is_paginated(api_for, user):
    DemonstrationFactory.create_batch(5, author=user)
    api = api_for(user)
    first = api.get(DEMONSTRATIONS, {"page_size": 2}).json()
    assert (first["count"], len(first["results"])) == (5, 2)
    assert first["previous"] is None and "page=2" in first["next"]
    last = api.get(DEMONSTRATIONS, {"page_size": 2, "page": 3}).json()
    assert len(last["results"]) == 1 and last["next"] is None
    assert api.get(DEMONSTRATIONS, {"page": 99}).status_code == 404
    assert len(api.get(DEMONSTRATIONS, {"page_size": 200}).json()["results"]) == 5
    too_big = api.get(DEMONSTRATIONS, {"page_size": 10_000})
    assert too_big.status_code == 400 and list(too_big.json()) == ["page_size"]


def test_the_list_query_count_does_not_grow(api_for, user, django_assert_max_num_queries):
    api = api_for(user)
    DemonstrationFactory(author=user)
    with django_assert_max_num_queries(3):
        api.get(DEMONSTRATIONS)
    DemonstrationFactory.create_batch(20, author=user)
    with django_assert_max_num_queries(3):
        assert len(api.get(DEMONSTRATIONS).json()["results"]) == 21


# Create ----------------------------------------------------------------------------------------


def test_create_returns_201_with_the_public_id(api_for, user):
    response = api_for(user).post(DEMONSTRATIONS, payload(instruction="  Why?  "), format="json")
    assert response.status_code == 201
    body = response.json()
    demonstration = Demonstration.objects.get()
    assert body["id"] == str(demonstration.public_id)
    assert str(demonstration.pk) not in body["id"].split("-")
    assert body["instruction"] == "Why?"
    assert (body["status"], body["origin"], body["version"], body["category"]) == ("draft", "api", 1, "open_qa")
    assert demonstration.origin == Origin.API
    assert demonstration.revisions.count() == 1


def test_create_and_submit_at_once(api_for, user):
    response = api_for(user).post(DEMONSTRATIONS, payload(submit=True), format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "submitted"
    assert response.json()["submitted_at"]


def test_an_idempotency_key_replay_returns_the_first_record(api_for, user):
    api = api_for(user)
    first = api.post(DEMONSTRATIONS, payload(), format="json", HTTP_IDEMPOTENCY_KEY="abc-123")
    again = api.post(DEMONSTRATIONS, payload(), format="json", HTTP_IDEMPOTENCY_KEY="abc-123")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert again.json() == first.json()
    assert Demonstration.objects.count() == 1
    assert Revision.objects.count() == 1


@pytest.mark.parametrize(
    "change",
    [{"instruction": "Different"}, {"response": "Another answer."}, {"category": "brainstorming"}, {"submit": True}],
)
def test_an_idempotency_key_reused_with_a_different_body_is_a_422_and_changes_nothing(api_for, user, change):
    api = api_for(user)
    first = api.post(DEMONSTRATIONS, payload(), format="json", HTTP_IDEMPOTENCY_KEY="abc-123")
    reused = api.post(DEMONSTRATIONS, payload(**change), format="json", HTTP_IDEMPOTENCY_KEY="abc-123")
    assert (first.status_code, reused.status_code) == (201, 422)
    assert reused.json()["code"] == "idempotency_key_reused"
    assert "different request" in reused.json()["detail"] and first.json()["id"] in reused.json()["detail"]
    stored = Demonstration.objects.get()
    assert (stored.instruction, stored.response, stored.status, stored.version) == (
        first.json()["instruction"],
        first.json()["response"],
        Status.DRAFT,
        1,
    )
    assert Revision.objects.count() == 1


def test_an_idempotent_replay_after_an_edit_returns_the_record_as_it_is_now(api_for, user):
    api = api_for(user)
    first = api.post(DEMONSTRATIONS, payload(), format="json", HTTP_IDEMPOTENCY_KEY="abc-123").json()
    api.patch(f"{DEMONSTRATIONS}{first['id']}/", {"version": 1, "response": "Edited since."}, format="json")
    again = api.post(DEMONSTRATIONS, payload(), format="json", HTTP_IDEMPOTENCY_KEY="abc-123")
    assert again.status_code == 200
    assert (again.json()["response"], again.json()["version"]) == ("Edited since.", 2)
    assert Demonstration.objects.get().response == "Edited since."


def test_an_overlong_idempotency_key_is_refused(api_for, user):
    response = api_for(user).post(DEMONSTRATIONS, payload(), format="json", HTTP_IDEMPOTENCY_KEY="k" * 65)
    assert response.status_code == 400
    assert list(response.json()) == ["Idempotency-Key"]
    assert not Demonstration.objects.exists()


def test_validation_errors_are_json_keyed_by_field(api_for, user):
    response = api_for(user).post(
        DEMONSTRATIONS, payload(category="closed_qa", submit=True, instruction=""), format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"instruction", "context", "source_url"}
    assert all(isinstance(messages, list) and messages for messages in body.values())
    assert not Demonstration.objects.exists()


@pytest.mark.parametrize("field", ["instruction", "context", "source_url", "response"])
def test_a_nul_character_is_a_400_naming_the_field(api_for, user, field):
    response = api_for(user).post(DEMONSTRATIONS, payload(**{field: "a\x00b"}), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Demonstration.objects.exists()


@pytest.mark.parametrize("field", ["instruction", "response"])
def test_other_control_characters_are_a_400_naming_the_field(api_for, user, field):
    response = api_for(user).post(DEMONSTRATIONS, payload(**{field: "a\x1bb"}), format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_a_lone_surrogate_is_a_400_naming_the_field(api_for, user):
    body = '{"category": "open_qa", "instruction": "half \\ud83d pair"}'
    response = api_for(user).post(DEMONSTRATIONS, body, content_type="application/json")
    assert response.status_code == 400
    assert "instruction" in response.json()


@pytest.mark.parametrize("value", ["nope", "", None])
def test_an_unknown_category_is_a_400_naming_category(api_for, user, value):
    response = api_for(user).post(DEMONSTRATIONS, payload(category=value), format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["category"]


def test_a_missing_category_is_a_400_naming_category(api_for, user):
    response = api_for(user).post(DEMONSTRATIONS, {"instruction": "Why?"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["category"]


def test_a_closed_category_is_refused(api_for, user):
    Category.objects.filter(key="open_qa").update(is_active=False)
    response = api_for(user).post(DEMONSTRATIONS, payload(), format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["category"]


@pytest.mark.parametrize("body", ['{"category": "open_qa", "instruction": ', "not json", "[1, 2]", '"text"'])
def test_malformed_json_is_a_400(api_for, user, body):
    response = api_for(user).post(DEMONSTRATIONS, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()
    assert not Demonstration.objects.exists()


def test_a_source_url_must_be_http_or_https(api_for, user):
    response = api_for(user).post(
        DEMONSTRATIONS,
        payload(category="closed_qa", context="Passage.", source_url="javascript:alert(1)"),
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["source_url"]


def test_an_oversized_field_is_refused(api_for, user, settings):
    settings.DOLLY_MAX_RESPONSE_CHARS = 100
    response = api_for(user).post(DEMONSTRATIONS, payload(response="r" * 101), format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["response"]


# Retrieve --------------------------------------------------------------------------------------


def test_retrieve_my_demonstration(api_for, user):
    demonstration = DemonstrationFactory(author=user)
    response = api_for(user).get(detail(demonstration))
    assert response.status_code == 200
    assert response.json()["id"] == str(demonstration.public_id)


@pytest.mark.parametrize("status", [Status.DRAFT, Status.SUBMITTED])
def test_another_users_demonstration_is_404(api_for, user, other_user, status):
    theirs = DemonstrationFactory(author=other_user, status=status)
    assert api_for(user).get(detail(theirs)).status_code == 404


def test_an_unknown_or_malformed_id_is_404(api_for, user):
    api = api_for(user)
    assert api.get(f"{DEMONSTRATIONS}{uuid.uuid4()}/").status_code == 404
    assert api.get(f"{DEMONSTRATIONS}1/").status_code == 404


def test_a_reviewer_reads_a_submission_but_cannot_change_it(api_for, reviewer, other_user):
    theirs = DemonstrationFactory(author=other_user, status=Status.CHANGES_REQUESTED)
    api = api_for(reviewer)
    assert api.get(detail(theirs)).status_code == 200
    assert api.patch(detail(theirs), {"version": 1, "response": "x"}, format="json").status_code == 403
    assert Demonstration.objects.get(pk=theirs.pk).version == 1


# Patch -----------------------------------------------------------------------------------------


def test_patch_changes_the_text_and_bumps_the_version(api_for, user):
    demonstration = DemonstrationFactory(author=user)
    response = api_for(user).patch(detail(demonstration), {"version": 1, "response": " New answer. "}, format="json")
    assert response.status_code == 200
    assert (response.json()["version"], response.json()["response"]) == (2, "New answer.")
    assert demonstration.revisions.count() == 2


def test_patch_can_change_the_category(api_for, user):
    demonstration = DemonstrationFactory(author=user)
    response = api_for(user).patch(detail(demonstration), {"version": 1, "category": "general_qa"}, format="json")
    assert response.json()["category"] == "general_qa"


@pytest.mark.parametrize(
    "body", [{"response": "x"}, {"version": None, "response": "x"}, {"version": "one"}, {"version": 0}]
)
def test_patch_requires_a_version(api_for, user, body):
    demonstration = DemonstrationFactory(author=user)
    response = api_for(user).patch(detail(demonstration), body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["version"]
    assert Demonstration.objects.get(pk=demonstration.pk).version == 1


def test_a_stale_patch_is_409_with_the_current_version_and_changes_nothing(api_for, user):
    demonstration = DemonstrationFactory(author=user)
    api = api_for(user)
    api.patch(detail(demonstration), {"version": 1, "response": "Newer."}, format="json")
    response = api.patch(detail(demonstration), {"version": 1, "response": "Older."}, format="json")
    assert response.status_code == 409
    assert response.json()["current_version"] == 2
    assert response.json()["code"] == "stale_version"
    assert Demonstration.objects.get(pk=demonstration.pk).response == "Newer."


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.APPROVED, Status.REJECTED])
def test_patch_of_a_submitted_or_decided_demonstration_is_409(api_for, user, status):
    demonstration = DemonstrationFactory(author=user, status=status, response="Final.")
    response = api_for(user).patch(detail(demonstration), {"version": 1, "response": "Changed."}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "not_allowed"
    assert Demonstration.objects.get(pk=demonstration.pk).response == "Final."


def test_patch_errors_name_the_field(api_for, user):
    demonstration = DemonstrationFactory(author=user)
    api = api_for(user)
    assert list(api.patch(detail(demonstration), {"version": 1, "instruction": ""}, format="json").json()) == [
        "instruction"
    ]
    assert list(api.patch(detail(demonstration), {"version": 1, "category": "nope"}, format="json").json()) == [
        "category"
    ]
    assert "context" in api.patch(detail(demonstration), {"version": 1, "context": "a\x00"}, format="json").json()
    assert Demonstration.objects.get(pk=demonstration.pk).version == 1


def test_patch_of_another_users_draft_is_404(api_for, user, other_user):
    theirs = DemonstrationFactory(author=other_user)
    assert api_for(user).patch(detail(theirs), {"version": 1, "response": "x"}, format="json").status_code == 404


def test_put_is_not_offered(api_for, user):
    demonstration = DemonstrationFactory(author=user)
    assert api_for(user).put(detail(demonstration), payload(version=1), format="json").status_code == 405


# Delete ----------------------------------------------------------------------------------------


def test_delete_a_draft_is_204(api_for, user):
    demonstration = DemonstrationFactory(author=user)
    assert api_for(user).delete(detail(demonstration) + "?version=1").status_code == 204
    assert not Demonstration.objects.exists()


def test_delete_with_a_stale_version_is_409_and_keeps_the_newer_text(api_for, user):
    demonstration = DemonstrationFactory(author=user)
    api = api_for(user)
    api.patch(detail(demonstration), {"version": 1, "response": "Newer text."}, format="json")
    response = api.delete(detail(demonstration) + "?version=1")
    assert response.status_code == 409
    assert response.json()["code"] == "stale_version" and response.json()["current_version"] == 2
    assert Demonstration.objects.get().response == "Newer text."


@pytest.mark.parametrize("query", ["", "?version=", "?version=two", "?version=%C2%B2", "?version=" + "9" * 40])
def test_delete_without_a_whole_version_is_400_naming_it(api_for, user, query):
    demonstration = DemonstrationFactory(author=user)
    response = api_for(user).delete(detail(demonstration) + query)
    assert response.status_code == 400
    assert list(response.json()) == ["version"]
    assert Demonstration.objects.exists()


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.APPROVED, Status.CHANGES_REQUESTED])
def test_delete_of_a_non_draft_is_409(api_for, user, status):
    demonstration = DemonstrationFactory(author=user, status=status)
    response = api_for(user).delete(detail(demonstration) + "?version=1")
    assert response.status_code == 409
    assert response.json()["detail"]
    assert Demonstration.objects.filter(pk=demonstration.pk).exists()


def test_delete_of_another_users_draft_is_404(api_for, user, other_user):
    theirs = DemonstrationFactory(author=other_user)
    assert api_for(user).delete(detail(theirs)).status_code == 404
    assert Demonstration.objects.filter(pk=theirs.pk).exists()


# Submit ----------------------------------------------------------------------------------------


def test_submit_action(api_for, user):
    demonstration = DemonstrationFactory(author=user)
    api = api_for(user)
    response = api.post(submit_url(demonstration), {"version": 1}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["version"]) == ("submitted", 2)
    again = api.post(submit_url(demonstration), {}, format="json")
    assert (again.status_code, again.json()["version"]) == (200, 2)


def test_submit_of_an_incomplete_draft_is_400_naming_the_fields(api_for, user):
    demonstration = DemonstrationFactory(author=user, category=category("summarization"), response="")
    response = api_for(user).post(submit_url(demonstration), {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"context", "source_url", "response"}
    assert Demonstration.objects.get(pk=demonstration.pk).status == Status.DRAFT


def test_submit_with_a_stale_version_is_409(api_for, user):
    demonstration = DemonstrationFactory(author=user)
    api = api_for(user)
    api.patch(detail(demonstration), {"version": 1, "response": "Newer."}, format="json")
    response = api.post(submit_url(demonstration), {"version": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["current_version"] == 2


def test_submit_of_an_approved_demonstration_is_409(api_for, user):
    demonstration = DemonstrationFactory(author=user, status=Status.APPROVED)
    assert api_for(user).post(submit_url(demonstration), {}, format="json").status_code == 409


def test_submit_of_another_users_draft_is_404(api_for, user, other_user):
    theirs = DemonstrationFactory(author=other_user)
    assert api_for(user).post(submit_url(theirs), {}, format="json").status_code == 404
    assert Demonstration.objects.get(pk=theirs.pk).status == Status.DRAFT


# Authentication --------------------------------------------------------------------------------


@pytest.mark.parametrize("method,path", [("get", CATEGORIES), ("get", DEMONSTRATIONS), ("post", DEMONSTRATIONS)])
def test_anonymous_requests_are_401_with_json(api_for, method, path):
    response = getattr(api_for(), method)(path, {}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_anonymous_requests_to_a_demonstration_are_refused(api_for, user):
    demonstration = DemonstrationFactory(author=user)
    api = api_for()
    for response in [
        api.get(detail(demonstration)),
        api.delete(detail(demonstration)),
        api.patch(detail(demonstration), {"version": 1}, format="json"),
        api.post(submit_url(demonstration), {}, format="json"),
    ]:
        assert response.status_code == 401
    assert Demonstration.objects.filter(pk=demonstration.pk, version=1).exists()


def test_a_token_from_the_token_endpoint_authenticates(user):
    api = APIClient()
    response = api.post(TOKEN, {"username": "alice", "password": "pass-for-tests-1"}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get(DEMONSTRATIONS).status_code == 200
    created = api.post(DEMONSTRATIONS, payload(), format="json")
    assert created.status_code == 201
    assert Demonstration.objects.get().author == user


def test_the_token_endpoint_accepts_form_posts_too(user):
    response = APIClient().post(TOKEN, {"username": "alice", "password": "pass-for-tests-1"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "alice", "password": "wrong"},
        {"username": "nobody", "password": "x"},
        {"username": "alice"},
        {},
    ],
)
def test_bad_credentials_are_a_400(user, credentials):
    response = APIClient().post(TOKEN, credentials, format="json")
    assert response.status_code == 400
    assert "token" not in response.json()


def test_an_unknown_token_is_refused(user):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert api.get(DEMONSTRATIONS).status_code == 401


def test_session_authenticated_writes_need_the_csrf_token(user):
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(user)
    assert api.get(DEMONSTRATIONS).status_code == 200
    response = api.post(DEMONSTRATIONS, payload(), format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Demonstration.objects.exists()


# Throttling ------------------------------------------------------------------------------------


@pytest.fixture
def tight_throttles(settings, monkeypatch):
    """Low rates, and a private cache so no count is shared with other runs on the same Redis."""
    rates = {"anon": "2/min", "user": "3/min", "token": "2/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle-tests"}
    }
    # DRF copies the rates onto the class when it is imported.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    from django.core.cache import cache

    cache.clear()
    yield rates
    cache.clear()


def test_authenticated_requests_are_throttled_with_429(api_for, user, tight_throttles):
    api = api_for(user)
    statuses = [api.get(CATEGORIES).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = api.get(DEMONSTRATIONS)
    assert response.status_code == 429
    assert "detail" in response.json()
    assert int(response["Retry-After"]) > 0


def test_the_token_endpoint_is_throttled(user, tight_throttles):
    api = APIClient()
    statuses = [
        api.post(TOKEN, {"username": "alice", "password": "wrong"}, format="json").status_code for _ in range(3)
    ]
    assert statuses == [400, 400, 429]


# OpenAPI ---------------------------------------------------------------------------------------


def test_the_schema_generates_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(out), stdout=io.StringIO(), stderr=io.StringIO()
    )
    schema = out.read_text()
    for path in [
        "/api/v1/categories/",
        "/api/v1/demonstrations/",
        "/api/v1/demonstrations/{id}/",
        "/api/v1/demonstrations/{id}/submit/",
        "/api/v1/auth/token/",
    ]:
        assert f"  {path}:" in schema


def test_the_schema_documents_version_as_required_for_patch(client):
    schema = client.get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    patch = schema["paths"]["/api/v1/demonstrations/{id}/"]["patch"]
    ref = patch["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert schema["components"]["schemas"][ref]["required"] == ["version"]
    assert "409" in patch["responses"]


def test_the_schema_is_served(client):
    response = client.get(reverse("api-schema"))
    assert response.status_code == 200
    assert b"openapi: 3" in response.content


def test_the_docs_page_uses_only_local_assets(client):
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    page = response.content.decode()
    assert not re.search(r"https?://", page)
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets
    assert all(asset.startswith("/") and not asset.startswith("//") for asset in assets)
    assert any("swagger-ui" in asset for asset in assets)
