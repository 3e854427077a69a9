"""A job whose worker was lost is marked failed on the next read (or by the minute sweep), its partial
files are removed, and it can be retried from the page or the API.  Nothing runs inside a request."""

import datetime
import sqlite3

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from annotations.models import Demonstration
from datasets import services
from datasets.models import ImportBatch, ImportProgress, Release
from datasets.options import ExportOptions
from datasets.services.jobs import Heartbeat, sqlite_write_locked

pytestmark = pytest.mark.django_db


def _long_ago(settings):
    return timezone.now() - datetime.timedelta(seconds=settings.DOLLY_JOB_STALE_SECONDS + 60)


@pytest.fixture
def lost_release(settings, media_root, approved):
    approved("open_qa", instruction="What is a byte?")
    release = Release.objects.create(filters=ExportOptions().filters_dict(), formats=["jsonl"])
    Release.objects.filter(pk=release.pk).update(
        status=Release.State.RUNNING, attempt=1, started_at=_long_ago(settings), heartbeat_at=_long_ago(settings)
    )
    folder = media_root / "releases" / str(release.public_id)
    folder.mkdir(parents=True)
    (folder / ".data.jsonl.partial-x1y2").write_text('{"instruction": "half')
    return release


def test_a_release_whose_heartbeat_stopped_is_failed_on_read_cleaned_and_retried(
    lost_release, media_root, admin_user, api_for, django_capture_on_commit_callbacks
):
    api = api_for(admin_user)
    body = api.get(reverse("api:export-detail", kwargs={"id": lost_release.public_id})).json()
    assert body["status"] == "failed" and "worker was lost" in body["error"]
    assert list((media_root / "releases" / str(lost_release.public_id)).iterdir()) == []
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(reverse("api:export-retry", kwargs={"id": lost_release.public_id}))
    assert response.status_code == 202
    lost_release.refresh_from_db()
    assert lost_release.status == Release.State.DONE and lost_release.attempt == 2 and lost_release.record_count == 1
    again = api.post(reverse("api:export-retry", kwargs={"id": lost_release.public_id}))
    assert again.status_code == 400


def test_a_failed_release_is_retried_from_its_page(
    lost_release, admin_user, client_for, django_capture_on_commit_callbacks
):
    admin = client_for(admin_user)
    page = admin.get(reverse("datasets:release-detail", args=[lost_release.public_id]))
    assert b"Build it again" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(reverse("datasets:release-retry", args=[lost_release.public_id]))
    lost_release.refresh_from_db()
    assert lost_release.status == Release.State.DONE


def test_a_release_with_a_recent_heartbeat_is_left_running(settings):
    release = Release.objects.create(filters=ExportOptions().filters_dict(), formats=["jsonl"])
    Release.objects.filter(pk=release.pk).update(
        status=Release.State.RUNNING, attempt=1, started_at=_long_ago(settings), heartbeat_at=timezone.now()
    )
    assert services.jobs_fail_stale() == 0
    release.refresh_from_db()
    assert release.status == Release.State.RUNNING


@pytest.fixture
def lost_import(settings, admin_user, fixture_path):
    batch = ImportBatch.objects.create(
        source_name="dolly.jsonl", author=admin_user, target_status="approved", status=ImportBatch.State.IMPORTING
    )
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=_long_ago(settings))
    batch.stored_name = default_storage.save(
        f"imports/{batch.public_id}/dolly.jsonl", ContentFile(fixture_path.read_bytes())
    )
    batch.save(update_fields=["stored_name"])
    ImportProgress.objects.create(batch=batch, percent=40, beat_at=_long_ago(settings))
    return batch


def test_an_import_whose_heartbeat_stopped_is_failed_on_read_and_can_be_confirmed_again(
    lost_import, admin_user, client_for, django_capture_on_commit_callbacks
):
    admin = client_for(admin_user)
    status = admin.get(reverse("datasets:import-status", args=[lost_import.public_id])).json()
    assert status["status"] == "failed" and status["finished"] and "worker was lost" in status["error"]
    assert not ImportProgress.objects.exists()
    page = admin.get(reverse("datasets:import-detail", args=[lost_import.public_id]))
    assert b"Try the import again" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(reverse("datasets:import-confirm", args=[lost_import.public_id]))
    lost_import.refresh_from_db()
    assert lost_import.status == ImportBatch.State.DONE and Demonstration.objects.count() == 10
    assert lost_import.stored_name == ""
    assert not default_storage.exists(f"imports/{lost_import.public_id}/dolly.jsonl"), "the upload goes once done"


def test_a_check_whose_heartbeat_stopped_is_failed(settings, admin_user):
    batch = ImportBatch.objects.create(
        source_name="x.jsonl", author=admin_user, target_status="approved", status=ImportBatch.State.CHECKING
    )
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=_long_ago(settings))
    assert services.jobs_fail_stale() == 1
    batch.refresh_from_db()
    assert batch.status == ImportBatch.State.FAILED


def test_a_running_import_with_a_live_heartbeat_is_left_alone(lost_import):
    ImportProgress.objects.filter(pk=lost_import.pk).update(beat_at=timezone.now())
    assert services.jobs_fail_stale() == 0
    lost_import.refresh_from_db()
    assert lost_import.status == ImportBatch.State.IMPORTING


def test_the_heartbeat_is_written_as_the_job_starts(settings, admin_user):
    release = Release.objects.create(filters=ExportOptions().filters_dict(), formats=["jsonl"], status="running")
    with Heartbeat(Release.objects.filter(pk=release.pk), "heartbeat_at"):
        release.refresh_from_db()
        assert release.heartbeat_at is not None


def test_the_sqlite_probe_sees_a_write_lock_held_by_another_connection(tmp_path):
    path = tmp_path / "db.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    assert sqlite_write_locked(str(path)) is False
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO t VALUES (1)")
    assert sqlite_write_locked(str(path)) is True
    holder.execute("ROLLBACK")
    assert sqlite_write_locked(str(path)) is False
    holder.close()


def _queued_long_ago(settings):
    return timezone.now() - datetime.timedelta(seconds=settings.DOLLY_JOB_QUEUED_SECONDS + 60)


@pytest.fixture
def lost_queued_release(settings, media_root, approved):
    """A release whose build message never reached a worker: queued for longer than the limit."""
    approved("open_qa", instruction="What is a queue?")
    release = Release.objects.create(filters=ExportOptions().filters_dict(), formats=["jsonl"])
    Release.objects.filter(pk=release.pk).update(queued_at=_queued_long_ago(settings))
    return release


def test_a_release_queued_too_long_is_failed_with_its_reason_shown_and_built_on_retry(
    lost_queued_release, admin_user, client_for, api_for, django_capture_on_commit_callbacks
):
    admin = client_for(admin_user)
    page = admin.get(reverse("datasets:release-detail", args=[lost_queued_release.public_id])).content.decode()
    assert "No worker took the job in 15 minutes" in page and "Build it again" in page
    lost_queued_release.refresh_from_db()
    assert lost_queued_release.status == Release.State.FAILED and lost_queued_release.attempt == 0
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(admin_user).post(reverse("api:export-retry", kwargs={"id": lost_queued_release.public_id}))
    assert response.status_code == 202
    lost_queued_release.refresh_from_db()
    assert lost_queued_release.status == Release.State.DONE and lost_queued_release.attempt == 1
    assert services.jobs_fail_stale() == 0  # retried: queued afresh, then built; nothing stale


def test_a_late_build_message_for_a_release_failed_in_the_queue_builds_nothing(lost_queued_release):
    assert services.jobs_fail_stale() == 1
    services.release_build(lost_queued_release.pk)
    lost_queued_release.refresh_from_db()
    assert lost_queued_release.status == Release.State.FAILED and lost_queued_release.attempt == 0


def test_a_recently_queued_release_and_one_waiting_behind_a_running_build_are_left_queued(settings):
    recent = Release.objects.create(filters=ExportOptions().filters_dict(), formats=["jsonl"], queued_at=timezone.now())
    waiting = Release.objects.create(filters=ExportOptions().filters_dict(), formats=["jsonl"])
    Release.objects.filter(pk=waiting.pk).update(queued_at=_queued_long_ago(settings))
    running = Release.objects.create(filters=ExportOptions().filters_dict(), formats=["jsonl"])
    Release.objects.filter(pk=running.pk).update(
        status=Release.State.RUNNING, attempt=1, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    assert services.jobs_fail_stale() == 0
    assert set(Release.objects.values_list("status", flat=True)) == {Release.State.QUEUED, Release.State.RUNNING}
    Release.objects.filter(pk=running.pk).update(status=Release.State.DONE)
    assert services.jobs_fail_stale() == 1
    assert Release.objects.get(pk=recent.pk).status == Release.State.QUEUED
    assert Release.objects.get(pk=waiting.pk).status == Release.State.FAILED


def test_an_import_queued_too_long_is_failed_shown_and_imports_once_confirmed_again(
    settings, lost_import, admin_user, client_for, django_capture_on_commit_callbacks
):
    ImportProgress.objects.all().delete()
    ImportBatch.objects.filter(pk=lost_import.pk).update(
        status=ImportBatch.State.QUEUED, queued_at=_queued_long_ago(settings)
    )
    admin = client_for(admin_user)
    page = admin.get(reverse("datasets:import-detail", args=[lost_import.public_id])).content.decode()
    assert "No worker took the job in 15 minutes" in page and "Nothing was imported" in page
    assert "Try the import again" in page
    assert services.import_run(lost_import.pk) == ImportBatch.State.FAILED  # a late message imports nothing
    assert not Demonstration.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(reverse("datasets:import-confirm", args=[lost_import.public_id]))
    lost_import.refresh_from_db()
    assert lost_import.status == ImportBatch.State.DONE and Demonstration.objects.count() == lost_import.imported_count
    assert lost_import.imported_count > 0
