"""Objects other people may not see: drafts, tokens, export files.  Ids are UUIDs; probing gets 404."""

import uuid

from django.urls import reverse
from rest_framework.authtoken.models import Token

from annotations.models import Demonstration, Status
from tests.factories import DemonstrationFactory


def test_public_ids_are_random_uuids_not_sequences(user):
    first, second = DemonstrationFactory(author=user), DemonstrationFactory(author=user)
    assert isinstance(first.public_id, uuid.UUID) and first.public_id.version == 4
    assert abs(int(first.public_id) - int(second.public_id)) > 2**64


def test_lists_never_include_another_users_drafts(api_for, client_for, user, other_user):
    DemonstrationFactory(author=user, instruction="Alice's private draft")
    for api in (api_for(other_user),):
        assert api.get(reverse("api:demonstration-list")).json()["count"] == 0
    page = client_for(other_user).get(reverse("demonstration-list")).content.decode()
    assert "Alice&#x27;s private draft" not in page and "Alice's private draft" not in page


def test_another_user_cannot_change_or_delete_a_draft(api_for, user, other_user):
    draft = DemonstrationFactory(author=user)
    api = api_for(other_user)
    url = reverse("api:demonstration-detail", kwargs={"id": draft.public_id})
    assert api.patch(url, {"version": 1, "response": "vandalised"}, format="json").status_code == 404
    assert api.delete(url + "?version=1").status_code == 404
    assert api.post(reverse("api:demonstration-submit", kwargs={"id": draft.public_id})).status_code == 404
    draft.refresh_from_db()
    assert draft.response != "vandalised" and draft.status == Status.DRAFT
    assert Demonstration.objects.filter(pk=draft.pk).exists()


def test_the_token_page_shows_only_ones_own_token_and_rotation_touches_no_one_else(client_for, user, other_user):
    theirs = Token.objects.create(user=other_user)
    client = client_for(user)
    page = client.get(reverse("api-token")).content.decode()
    mine = Token.objects.get(user=user)
    assert mine.key in page and theirs.key not in page
    client.post(reverse("api-token"))
    assert Token.objects.get(user=other_user).key == theirs.key
    assert Token.objects.get(user=user).key != mine.key


def test_a_token_only_acts_as_its_owner(user, other_user):
    from rest_framework.test import APIClient

    draft = DemonstrationFactory(author=user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=other_user).key}")
    assert api.get(reverse("api:demonstration-detail", kwargs={"id": draft.public_id})).status_code == 404
    api.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert api.get(reverse("api:demonstration-list")).status_code == 401


def test_release_files_are_admin_only_and_limited_to_the_manifest(
    client_for, api_for, admin_user, user, settings, tmp_path
):
    from datasets import services
    from datasets.options import ExportOptions

    settings.MEDIA_ROOT = str(tmp_path)
    DemonstrationFactory(author=user, status=Status.APPROVED)
    release = services.release_create(created_by=admin_user, options=ExportOptions())
    services.release_build(release.pk)
    (tmp_path / release.storage_prefix / "secret.txt").write_text("not part of the release")
    for name, admin_status in [("data.jsonl", 200), ("secret.txt", 404), ("..", 404), ("manifest.json.bak", 404)]:
        url = reverse("datasets:release-download", kwargs={"public_id": release.public_id, "name": name})
        assert client_for(user).get(url).status_code == 403
        assert client_for(admin_user).get(url).status_code == admin_status, name
    api_url = reverse("api:export-download", kwargs={"id": release.public_id, "file": "secret.txt"})
    assert api_for(admin_user).get(api_url).status_code == 404
    assert api_for(user).get(api_url).status_code == 403
