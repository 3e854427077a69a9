"""Dataset reader keys, release names, versions and tags, and ``GET /api/v1/exports/latest/``."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiKey
from accounts.services import api_key_revoke
from datasets.models import Release

pytestmark = pytest.mark.django_db


def test_a_reader_key_lists_and_reads_finished_releases_only(reader_api, reader_key, approved, build):
    approved("open_qa", instruction="Why is the sky blue?")
    done = build()
    queued = Release.objects.create(name="other", version=1)
    listed = reader_api.get(reverse("api:export-list"))
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [str(done.public_id)]
    assert reader_api.get(reverse("api:export-detail", kwargs={"id": queued.public_id})).status_code == 404
    detail = reader_api.get(reverse("api:export-detail", kwargs={"id": done.public_id}))
    assert detail.status_code == 200 and detail.json()["record_count"] == 1
    reader_key[0].refresh_from_db()
    assert reader_key[0].last_used_at is not None


def test_a_reader_key_opens_nothing_else(reader_api):
    for route in ("api:demonstration-list", "api:category-list", "api:review-next", "api:notification-list"):
        assert reader_api.get(reverse(route)).status_code == 401, route
    assert reader_api.post(reverse("api:export-list"), {}, format="json").status_code == 403
    assert Release.objects.count() == 0
    page = reader_api.get(reverse("datasets:release-list"))
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]


def test_a_revoked_or_unknown_key_is_refused(reader_api, reader_key, admin_user):
    assert reader_api.get(reverse("api:export-list")).status_code == 200
    api_key_revoke(api_key=reader_key[0], revoked_by=admin_user)
    refused = reader_api.get(reverse("api:export-list"))
    assert refused.status_code == 401 and refused["WWW-Authenticate"]
    unknown = APIClient(HTTP_AUTHORIZATION="Api-Key dolly_not-a-key").get(reverse("api:export-list"))
    assert unknown.status_code == 401


def test_admins_create_list_and_revoke_keys_in_the_site(client_for, admin_user):
    client = client_for(admin_user)
    created = client.post(reverse("api-keys"), {"name": "nightly trainer"})
    assert created.status_code == 200
    raw = created.context["created"][1]
    assert raw.startswith("dolly_") and raw in created.content.decode()
    api_key = ApiKey.objects.get(name="nightly trainer")
    assert api_key.key_hash != raw and raw not in str(ApiKey.objects.values().get())
    assert APIClient(HTTP_AUTHORIZATION=f"Api-Key {raw}").get(reverse("api:export-list")).status_code == 200
    listing = client.get(reverse("api-keys")).content.decode()
    assert "nightly trainer" in listing and raw not in listing and api_key.prefix in listing
    assert client.post(reverse("api-key-revoke", args=[api_key.pk])).status_code == 302
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None and api_key.revoked_by == admin_user
    assert APIClient(HTTP_AUTHORIZATION=f"Api-Key {raw}").get(reverse("api:export-list")).status_code == 401


def test_a_key_needs_a_name(client_for, admin_user):
    response = client_for(admin_user).post(reverse("api-keys"), {"name": "  "})
    assert response.status_code == 200 and response.context["form"].errors["name"]
    assert ApiKey.objects.count() == 0


def test_releases_are_numbered_per_name_and_tagged(approved, build):
    approved("open_qa", instruction="What is a lever?")
    first, second = build(), build(tag="production")
    other = build(name="support-bot")
    assert (first.name, first.label, second.label, second.tag) == ("dolly-collect", "v1", "v2", "production")
    assert (other.name, other.label) == ("support-bot", "v1")
    assert build().label == "v3"


def test_bad_name_or_tag_is_a_400_naming_the_field(api_for, admin_user):
    api = api_for(admin_user)
    response = api.post(reverse("api:export-list"), {"tag": "Not A Tag!"}, format="json")
    assert response.status_code == 400 and "tag" in response.json()
    response = api.post(reverse("api:export-list"), {"name": "../x"}, format="json")
    assert response.status_code == 400 and "name" in response.json()
    assert Release.objects.count() == 0


def test_latest_answers_the_newest_finished_release_of_a_tag(reader_api, approved, build):
    assert reader_api.get(reverse("api:export-latest")).status_code == 404
    approved("open_qa", instruction="Name three rivers.")
    approved("closed_qa", instruction="When was it built?")
    production = build(tag="production", test_fraction=0.5)
    nightly = build(tag="nightly")
    Release.objects.create(name="dolly-collect", version=99)  # queued: never the latest
    latest = reader_api.get(reverse("api:export-latest")).json()
    assert latest["id"] == str(nightly.public_id) and latest["label"] == "v2"
    tagged = reader_api.get(reverse("api:export-latest"), {"tag": "production"}).json()
    assert tagged["id"] == str(production.public_id) and tagged["tag"] == "production"
    files = {entry["name"]: entry for entry in tagged["files"]}
    assert files["train.jsonl"]["records"] + files["test.jsonl"]["records"] == 2
    for entry in tagged["files"]:
        assert entry["size"] > 0 and len(entry["sha256"]) == 64
        assert entry["url"].startswith("http://testserver/api/v1/exports/")
        assert reader_api.get(entry["url"]).status_code == 200
    assert tagged["archive"]["url"].endswith("/download/archive.tar.gz") and tagged["archive"]["size"] > 0
    assert reader_api.get(reverse("api:export-latest"), {"tag": "staging"}).status_code == 404
