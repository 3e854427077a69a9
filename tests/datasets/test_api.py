"""POST /api/v1/exports/, GET /api/v1/exports/{id}/, GET /api/v1/exports/{id}/download/{file}."""

import hashlib
import uuid

import pytest
from django.urls import reverse

from datasets import services
from datasets.models import Release
from datasets.options import ExportOptions

pytestmark = pytest.mark.django_db


def detail_url(release_id):
    return reverse("api:export-detail", kwargs={"id": release_id})


def download_url(release_id, name):
    return reverse("api:export-download", kwargs={"id": release_id, "file": name})


@pytest.fixture
def release(approved):
    approved("open_qa", instruction="Why do cats purr?")
    made = Release.objects.create(filters=ExportOptions().filters_dict(), formats=["jsonl"])
    services.release_build(made.pk)
    made.refresh_from_db()
    return made


def test_contributors_and_reviewers_get_403(api_for, user, reviewer, release):
    for person in (user, reviewer):
        api = api_for(person)
        assert api.post(reverse("api:export-list"), {}, format="json").status_code == 403
        assert api.get(reverse("api:export-list")).status_code == 403
        assert api.get(detail_url(release.public_id)).status_code == 403
        assert api.get(download_url(release.public_id, "data.jsonl")).status_code == 403
    assert Release.objects.count() == 1


def test_anonymous_is_refused(api_for, release):
    assert api_for().get(detail_url(release.public_id)).status_code in (401, 403)


def test_admin_creates_a_release_and_downloads_it(api_for, admin_user, approved, django_capture_on_commit_callbacks):
    approved("closed_qa", instruction="When did it open?")
    api = api_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            reverse("api:export-list"), {"formats": ["jsonl", "parquet"], "strip_citations": True}, format="json"
        )
    assert response.status_code == 202, response.data
    assert response.data["status"] == "queued"
    body = api.get(detail_url(response.data["id"])).json()
    assert body["status"] == "done" and body["progress"] == 100 and body["record_count"] == 1
    assert body["filters"]["strip_citations"] is True
    assert body["counts"]["categories"] == {"closed_qa": 1}
    files = {f["name"]: f for f in body["files"]}
    assert set(files) == {"data.jsonl", "data.parquet", "record-hashes.txt", "README.md", "LICENSE", "manifest.json"}
    download = api.get(files["data.jsonl"]["url"])
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    assert hashlib.sha256(content).hexdigest() == files["data.jsonl"]["sha256"]
    assert b'"instruction": "When did it open?"' in content


def test_bad_filters_are_a_400_naming_the_field(api_for, admin_user):
    api = api_for(admin_user)
    response = api.post(reverse("api:export-list"), {"categories": ["poetry"]}, format="json")
    assert response.status_code == 400 and "categories" in response.data
    response = api.post(reverse("api:export-list"), {"formats": ["xlsx"]}, format="json")
    assert response.status_code == 400 and "formats" in response.data
    response = api.post(reverse("api:export-list"), {"test_fraction": 1}, format="json")
    assert response.status_code == 400 and "test_fraction" in response.data
    assert Release.objects.count() == 0


def test_unknown_release_or_file_is_404(api_for, admin_user, release):
    api = api_for(admin_user)
    assert api.get(detail_url(uuid.uuid4())).status_code == 404
    assert api.get(download_url(uuid.uuid4(), "data.jsonl")).status_code == 404
    assert api.get(download_url(release.public_id, "settings.py")).status_code == 404
    unfinished = Release.objects.create(filters=ExportOptions().filters_dict(), formats=["jsonl"])
    assert api.get(download_url(unfinished.public_id, "data.jsonl")).status_code == 404


def test_list_is_paginated(api_for, admin_user, release, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = api_for(admin_user).get(reverse("api:export-list"))
    assert response.status_code == 200
    assert response.data["count"] == 1 and response.data["results"][0]["id"] == str(release.public_id)
