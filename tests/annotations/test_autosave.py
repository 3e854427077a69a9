import json

import pytest
from django.urls import reverse

from annotations import services
from annotations.models import Demonstration, Status
from tests.factories import category

URL = reverse("demonstration-autosave")


def post(client, payload):
    body = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    return client.post(URL, body, content_type="application/json")


def text(**changes):
    return {
        "category": "open_qa",
        "instruction": "Why is the sky blue?",
        "context": "",
        "source_url": "",
        "response": "",
        **changes,
    }


@pytest.mark.django_db
class TestNewDraft:
    def test_the_first_save_creates_a_draft_and_a_retry_returns_it(self, client_for, user):
        client = client_for(user)
        first = post(client, {**text(), "idempotency_key": "page-1"})
        assert first.status_code == 201
        demonstration = Demonstration.objects.get()
        assert first.json() == {
            "public_id": str(demonstration.public_id),
            "version": 1,
            "status": "draft",
            "edit_url": reverse("demonstration-edit", kwargs={"public_id": demonstration.public_id}),
            "saved_at": demonstration.updated_at.isoformat(),
        }
        assert demonstration.status == Status.DRAFT and demonstration.author == user

        again = post(client, {**text(response="Rayleigh scattering."), "idempotency_key": "page-1"})
        assert again.status_code == 200
        assert again.json()["public_id"] == str(demonstration.public_id)
        demonstration.refresh_from_db()
        assert Demonstration.objects.count() == 1
        assert demonstration.response == "Rayleigh scattering."

    def test_a_late_retry_of_the_first_save_returns_the_draft_and_changes_nothing(self, client_for, user):
        client = client_for(user)
        first_request = {**text(response="First text."), "idempotency_key": "page-1"}
        created = post(client, first_request).json()
        edited = post(
            client,
            {**text(response="Newer text."), "public_id": created["public_id"], "version": created["version"]},
        )
        assert edited.status_code == 200 and edited.json()["version"] == 2

        retry = post(client, first_request)
        assert retry.status_code == 200
        assert retry.json()["public_id"] == created["public_id"]
        assert retry.json()["version"] == 2
        demonstration = Demonstration.objects.get()
        assert (demonstration.response, demonstration.version) == ("Newer text.", 2)
        assert demonstration.revisions.count() == 2

    def test_the_same_key_with_other_text_after_an_edit_is_a_conflict(self, client_for, user):
        client = client_for(user)
        created = post(client, {**text(response="First text."), "idempotency_key": "page-1"}).json()
        post(client, {**text(response="Newer text."), "public_id": created["public_id"], "version": 1})
        response = post(
            client, {**text(response="Typed in a page that never heard back."), "idempotency_key": "page-1"}
        )
        assert response.status_code == 409
        assert response.json()["current_version"] == 2
        assert Demonstration.objects.get().response == "Newer text."

    @pytest.mark.parametrize(
        "body,problem",
        [
            (
                b'{"category": "open_qa", "instruction": "Q", "response": "a", "response": "", "idempotency_key": "k"}',
                "response",
            ),
            (b'{"instruction": ' + b"[" * 5000 + b"]" * 5000 + b"}", "nested"),
            (b'{"category": "open_qa", "instruction": "caf\xe9 \xff", "idempotency_key": "k"}', "UTF-8"),
            (
                b'{"category": "open_qa", "instruction": "Q?", "idempotency_key": "k", "version": ' + b"9" * 400 + b"}",
                "digits",
            ),
        ],
        ids=["duplicate key", "nested 5000 deep", "not UTF-8", "huge number"],
    )
    def test_hostile_json_is_refused_with_a_400_saying_why(self, client_for, user, body, problem):
        response = post(client_for(user), body)
        assert response.status_code == 400, response.content
        assert problem in response.json()["detail"]
        assert not Demonstration.objects.exists()

    def test_an_incomplete_draft_is_refused_with_the_field_named(self, client_for, user):
        response = post(client_for(user), {**text(instruction="  "), "idempotency_key": "page-1"})
        assert response.status_code == 400
        assert response.json()["errors"] == {"instruction": ["This field is required."]}
        assert not Demonstration.objects.exists()

    def test_an_unknown_category_is_refused(self, client_for, user):
        response = post(client_for(user), {**text(category="poetry"), "idempotency_key": "page-1"})
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["category"]

    @pytest.mark.parametrize(
        "payload",
        [
            b"{not json",
            b"[1, 2]",
            json.dumps({**text(response=5), "idempotency_key": "k"}),
            json.dumps(text()),
        ],
    )
    def test_malformed_requests_get_400_and_change_nothing(self, client_for, user, payload):
        response = post(client_for(user), payload)
        assert response.status_code == 400
        assert response.json()["detail"]
        assert not Demonstration.objects.exists()

    def test_signed_out_gets_401_not_a_login_page(self, client):
        response = post(client, {**text(), "idempotency_key": "page-1"})
        assert response.status_code == 401
        assert response.json()["code"] == "signed_out"

    def test_a_key_already_used_for_a_submitted_demonstration_is_refused(self, client_for, user):
        services.demonstration_create(
            author=user,
            category=category("open_qa"),
            instruction="Q?",
            response="A.",
            submit=True,
            idempotency_key="page-1",
        )
        response = post(client_for(user), {**text(response="Changed"), "idempotency_key": "page-1"})
        assert response.status_code == 409
        assert Demonstration.objects.get().response == "A."


@pytest.mark.django_db
class TestExistingDraft:
    def test_saving_at_the_current_version_keeps_a_revision(self, client_for, user, demonstration_factory):
        demonstration = demonstration_factory(author=user)
        response = post(
            client_for(user),
            {**text(response="Because of scattering."), "public_id": str(demonstration.public_id), "version": 1},
        )
        assert response.status_code == 200
        assert response.json()["version"] == 2
        demonstration.refresh_from_db()
        assert demonstration.response == "Because of scattering."
        assert demonstration.revisions.count() == 2

    def test_a_stale_version_is_refused_and_nothing_overwritten(self, client_for, user, demonstration_factory):
        demonstration = demonstration_factory(author=user, response="First.")
        services.demonstration_update(
            demonstration=demonstration, editor=user, expected_version=1, changes={"response": "Edited in another tab."}
        )
        response = post(
            client_for(user), {**text(response="Typed here."), "public_id": str(demonstration.public_id), "version": 1}
        )
        assert response.status_code == 409
        assert response.json()["code"] == "stale_version"
        assert response.json()["current_version"] == 2
        demonstration.refresh_from_db()
        assert demonstration.response == "Edited in another tab."

    def test_someone_elses_draft_is_not_found(self, client_for, user, other_user, demonstration_factory):
        demonstration = demonstration_factory(author=other_user)
        for public_id in (str(demonstration.public_id), "not-a-uuid"):
            response = post(client_for(user), {**text(), "public_id": public_id, "version": 1})
            assert response.status_code == 404
        demonstration.refresh_from_db()
        assert demonstration.version == 1

    def test_a_submitted_demonstration_is_not_changed(self, client_for, user, demonstration_factory):
        demonstration = demonstration_factory(author=user, status=Status.SUBMITTED)
        response = post(
            client_for(user), {**text(response="Late change"), "public_id": str(demonstration.public_id), "version": 1}
        )
        assert response.status_code == 409
        assert response.json()["code"] == "not_allowed"

    def test_the_version_must_be_a_number(self, client_for, user, demonstration_factory):
        demonstration = demonstration_factory(author=user)
        response = post(client_for(user), {**text(), "public_id": str(demonstration.public_id), "version": "1"})
        assert response.status_code == 400


def test_only_post_is_allowed(client):
    assert client.get(URL).status_code == 405
