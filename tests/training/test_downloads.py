"""archive.tar.gz and resumable downloads: ETag, If-None-Match, Range (206, 416), If-Range."""

import hashlib
import io
import json
import tarfile

import pytest
from django.urls import reverse

from datasets.models import Release

pytestmark = pytest.mark.django_db


def body(response):
    return b"".join(response.streaming_content)


@pytest.fixture
def release(approved, build):
    for n in range(40):
        approved("open_qa", instruction=f"Question number {n}: why?", response="Because. " * (n + 1))
    return build(test_fraction=0.25, formats=("jsonl", "parquet"))


def test_the_archive_holds_every_file_of_the_manifest(reader_api, release):
    response = reader_api.get(reverse("api:export-archive", kwargs={"id": release.public_id}))
    assert response.status_code == 200 and response["Content-Type"] == "application/gzip"
    data = body(response)
    assert len(data) == release.archive_size == int(response["Content-Length"])
    assert hashlib.sha256(data).hexdigest() == release.archive_sha256 == response["ETag"].strip('"')
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        members = {m.name: archive.extractfile(m).read() for m in archive.getmembers()}
    folder = f"{release.name}-{release.label}"
    manifest = json.loads(members[f"{folder}/manifest.json"])
    assert {f"{folder}/{entry['name']}" for entry in release.files} == set(members)
    for entry in manifest["files"]:
        assert hashlib.sha256(members[f"{folder}/{entry['name']}"]).hexdigest() == entry["sha256"]


def test_the_archive_is_the_same_bytes_every_time(reader_api, release):
    url = reverse("api:export-archive", kwargs={"id": release.public_id})
    assert body(reader_api.get(url)) == body(reader_api.get(url))


@pytest.mark.parametrize("route", ["archive", "file"])
def test_downloads_resume_with_range(reader_api, release, route):
    if route == "archive":
        url = reverse("api:export-archive", kwargs={"id": release.public_id})
    else:
        url = reverse("api:export-download", kwargs={"id": release.public_id, "file": "train.parquet"})
    whole = reader_api.get(url)
    full, etag = body(whole), whole["ETag"]
    assert whole["Accept-Ranges"] == "bytes" and len(full) > 200

    part = reader_api.get(url, HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206 and body(part) == full[100:200]
    assert part["Content-Range"] == f"bytes 100-199/{len(full)}" and part["Content-Length"] == "100"
    rest = reader_api.get(url, HTTP_RANGE="bytes=150-", HTTP_IF_RANGE=etag)
    assert rest.status_code == 206 and full[:150] + body(rest) == full
    tail = reader_api.get(url, HTTP_RANGE="bytes=-30")
    assert tail.status_code == 206 and body(tail) == full[-30:]

    beyond = reader_api.get(url, HTTP_RANGE=f"bytes={len(full)}-")
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{len(full)}"
    changed = reader_api.get(url, HTTP_RANGE="bytes=150-", HTTP_IF_RANGE='"another-version"')
    assert changed.status_code == 200 and body(changed) == full
    assert reader_api.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    several = reader_api.get(url, HTTP_RANGE="bytes=0-1,5-9")
    assert several.status_code == 200 and body(several) == full


def test_a_file_download_carries_its_checksum(reader_api, release):
    entry = release.file_entry("test.jsonl")
    response = reader_api.get(reverse("api:export-download", kwargs={"id": release.public_id, "file": "test.jsonl"}))
    assert response["X-Checksum-SHA256"] == entry["sha256"] and response["ETag"] == f'"{entry["sha256"]}"'
    assert hashlib.sha256(body(response)).hexdigest() == entry["sha256"]


def test_an_unfinished_release_has_no_archive(api_for, admin_user):
    queued = Release.objects.create()
    response = api_for(admin_user).get(reverse("api:export-archive", kwargs={"id": queued.public_id}))
    assert response.status_code == 404
