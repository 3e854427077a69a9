"""Releases and uploaded imports kept in an S3 bucket (a real SeaweedFS server on 127.0.0.1).

The same services as on the local disk: a release's files are uploaded under temporary keys,
copied to their final keys with the manifest last, and a failed build leaves no object behind.
Downloads redirect to a presigned address of the bucket, or stream from it.
"""

import hashlib
import json
import urllib.parse
import urllib.request

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from annotations.models import Demonstration, Status
from core import storage as file_storage
from datasets import formatters, services, sources
from datasets.models import ImportBatch, Release
from datasets.writers import PARTIAL_MARK, StorageDirectory

from .test_release import ExplodingFormatter, built, new_release

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed(approved):
    for i in range(3):
        approved("open_qa", instruction=f"open {i}", response="r" * (10 + i))
    approved("closed_qa", instruction="closed", context="c" * 100)
    approved("creative_writing", instruction="poem", response="A short poem.")


def release_keys(bucket, release):
    return [key for key in bucket.object_keys() if key.startswith(f"{release.storage_prefix}/")]


def test_a_release_is_stored_in_the_bucket_and_nowhere_on_disk(mixed, s3_storage, media_root):
    release = built(formats=["jsonl", "parquet"])
    assert release.status == Release.State.DONE, release.error
    names = [entry["name"] for entry in release.files]
    assert release_keys(s3_storage, release) == sorted(f"{release.storage_prefix}/{name}" for name in names)
    for entry in release.files:
        content = s3_storage.read(f"{release.storage_prefix}/{entry['name']}")
        assert hashlib.sha256(content).hexdigest() == entry["sha256"] and len(content) == entry["size"]
    manifest = json.loads(s3_storage.read(f"{release.storage_prefix}/manifest.json"))
    assert manifest["record_count"] == 5 == release.record_count
    assert not media_root.exists() or not any(media_root.rglob("*"))


def test_files_wait_under_temporary_keys_and_the_manifest_is_published_last(mixed, s3_storage, monkeypatch):
    seen, published = [], []
    publish = StorageDirectory.publish

    def watching(self, staged):
        if not seen:
            seen.extend(s3_storage.object_keys())
        published.append(staged.name)
        publish(self, staged)

    monkeypatch.setattr(StorageDirectory, "publish", watching)
    release = built()
    assert release.status == Release.State.DONE, release.error
    names = {entry["name"] for entry in release.files}
    temporary = [key.rsplit("/", 1)[1] for key in seen]
    assert len(temporary) == len(names) and all(PARTIAL_MARK in key for key in temporary)
    assert {key.split(PARTIAL_MARK)[0][1:] for key in temporary} == names
    assert published[-1] == "manifest.json" and set(published) == names
    assert all(PARTIAL_MARK not in key for key in s3_storage.object_keys())


def test_a_failing_build_leaves_no_object(mixed, s3_storage, monkeypatch):
    monkeypatch.setattr(sources, "CHUNK_SIZE", 2)
    monkeypatch.setitem(formatters.FORMATTERS, "jsonl", ExplodingFormatter)
    release = built()
    assert release.status == Release.State.FAILED and "No space left on device" in release.error
    assert s3_storage.object_keys() == []


def test_a_publication_failing_halfway_removes_the_objects_already_copied(mixed, s3_storage, monkeypatch):
    move = file_storage.move
    moves = []

    def failing_third(source, target, **kwargs):
        moves.append(target)
        if len(moves) == 3:
            raise OSError("The bucket went away")
        move(source, target, **kwargs)

    monkeypatch.setattr(file_storage, "move", failing_third)
    release = built()
    assert release.status == Release.State.FAILED and "The bucket went away" in release.error
    assert len(moves) == 3 and s3_storage.object_keys() == []


def test_an_interrupted_build_in_the_bucket_is_rebuilt_from_scratch(mixed, s3_storage):
    release = new_release()
    Release.objects.filter(pk=release.pk).update(status=Release.State.RUNNING, attempt=1)
    client = s3_storage.server.client()
    client.put_object(Bucket=s3_storage.name, Key=f"{release.storage_prefix}/.data.jsonl{PARTIAL_MARK}x", Body=b"ha")
    client.put_object(Bucket=s3_storage.name, Key=f"{release.storage_prefix}/README.md", Body=b"left behind")
    assert services.release_build(release.pk) == Release.State.DONE
    release.refresh_from_db()
    expected = sorted(f"{release.storage_prefix}/{entry['name']}" for entry in release.files)
    assert release_keys(s3_storage, release) == expected
    assert s3_storage.read(f"{release.storage_prefix}/README.md").decode() == release.card


def test_the_diff_against_the_previous_release_reads_its_hashes_from_the_bucket(mixed, approved, s3_storage):
    first = built()
    approved("brainstorming", instruction="new idea")
    Demonstration.objects.filter(instruction="open 0").update(status=Status.REJECTED)
    Release.objects.filter(pk=first.pk).update(created_at=timezone.now() - timezone.timedelta(minutes=5))
    second = built()
    assert second.previous == first and (second.added_count, second.removed_count) == (1, 1)


def test_a_download_redirects_to_a_short_lived_presigned_address(mixed, s3_storage, client_for, admin_user):
    release = built()
    entry = release.file_entry("data.jsonl")
    for url in (
        reverse("datasets:release-download", args=[release.public_id, "data.jsonl"]),
        reverse("api:export-download", kwargs={"id": release.public_id, "file": "data.jsonl"}),
    ):
        response = client_for(admin_user).get(url)
        assert response.status_code == 302, url
        assert response["X-Checksum-SHA256"] == entry["sha256"]
        location = response["Location"]
        assert location.startswith(f"{s3_storage.server.endpoint}/{s3_storage.name}/{release.storage_prefix}/")
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
        assert query["X-Amz-Expires"] == ["300"]
        with urllib.request.urlopen(location, timeout=10) as fetched:  # noqa: S310 - the test's own server
            body = fetched.read()
            assert 'filename="data.jsonl"' in fetched.headers["Content-Disposition"]
        assert hashlib.sha256(body).hexdigest() == entry["sha256"]


def test_a_download_streams_from_the_bucket_when_redirects_are_off(mixed, s3_storage, client_for, admin_user, settings):
    settings.DOLLY_DOWNLOAD_REDIRECT = False
    release = built()
    entry = release.file_entry("data.jsonl")
    response = client_for(admin_user).get(reverse("datasets:release-download", args=[release.public_id, "data.jsonl"]))
    assert response.status_code == 200 and response["Content-Length"] == str(entry["size"])
    body = b"".join(response.streaming_content)
    assert body == s3_storage.read(f"{release.storage_prefix}/data.jsonl")
    assert hashlib.sha256(body).hexdigest() == entry["sha256"]


def test_an_uploaded_import_is_kept_in_the_bucket_and_imported_from_it(
    s3_storage, admin_user, fixture_path, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("dolly.jsonl", fixture_path.read_bytes(), content_type="application/jsonl")
    with django_capture_on_commit_callbacks(execute=True):  # the check, which a worker runs
        batch = services.import_stage(created_by=admin_user, upload=upload, target_status="approved")
    batch.refresh_from_db()
    assert batch.status == ImportBatch.State.VALID, batch.problems
    assert s3_storage.object_keys() == [f"imports/{batch.public_id}/dolly.jsonl"]
    assert s3_storage.read(batch.stored_name) == fixture_path.read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        services.import_confirm(batch=batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.State.DONE, batch.error
    assert Demonstration.objects.count() == len(fixture_path.read_bytes().splitlines())


def test_a_key_prefix_keeps_the_site_inside_its_part_of_a_shared_bucket(mixed, s3_storage, settings):
    options = {**settings.STORAGES["default"]["OPTIONS"], "location": "dolly"}
    settings.STORAGES = {**settings.STORAGES, "default": {**settings.STORAGES["default"], "OPTIONS": options}}
    s3_storage.server.client().put_object(Bucket=s3_storage.name, Key="other-app/data.bin", Body=b"not ours")
    release = built()
    assert release.status == Release.State.DONE, release.error
    names = sorted(f"{release.storage_prefix}/{entry['name']}" for entry in release.files)
    assert s3_storage.object_keys() == sorted(["other-app/data.bin", *(f"dolly/{name}" for name in names)])
    assert [name for name, _size in file_storage.walk()] == names
    assert [name for name, _size in file_storage.walk("releases")] == names
    file_storage.delete_under(release.storage_prefix)
    assert s3_storage.object_keys() == ["other-app/data.bin"]


def test_a_streamed_download_from_the_bucket_resumes_from_a_byte(mixed, s3_storage, client_for, admin_user, settings):
    settings.DOLLY_DOWNLOAD_REDIRECT = False
    release = built()
    whole = s3_storage.read(f"{release.storage_prefix}/data.jsonl")
    url = reverse("api:export-download", kwargs={"id": release.public_id, "file": "data.jsonl"})
    response = client_for(admin_user).get(url, HTTP_RANGE="bytes=10-")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 10-{len(whole) - 1}/{len(whole)}"
    assert b"".join(response.streaming_content) == whole[10:]
    response = client_for(admin_user).get(url, HTTP_RANGE="bytes=5-9")
    assert b"".join(response.streaming_content) == whole[5:10]
