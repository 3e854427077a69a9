"""Celery tasks run eagerly here: they take ids, are idempotent, and never retry an import on their own."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from annotations.models import Demonstration
from datasets import services
from datasets.models import ImportBatch, Release
from datasets.options import ExportOptions
from datasets.services import imports
from datasets.tasks import build_release_task, import_batch_task

pytestmark = pytest.mark.django_db


def test_create_release_enqueues_the_build_after_commit(approved, django_capture_on_commit_callbacks):
    approved("open_qa")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        release = services.release_create(created_by=None, options=ExportOptions())
    assert Release.objects.get(pk=release.pk).status == Release.State.QUEUED
    assert len(callbacks) == 1
    callbacks[0]()
    release.refresh_from_db()
    assert release.status == Release.State.DONE and release.attempt == 1


def test_build_task_is_idempotent(approved):
    approved("open_qa")
    release = Release.objects.create(filters=ExportOptions().filters_dict(), formats=["jsonl"])
    assert build_release_task.delay(release.pk).get() == Release.State.DONE
    assert build_release_task.delay(release.pk).get() == Release.State.DONE
    release.refresh_from_db()
    assert release.attempt == 1
    assert build_release_task.delay(release.pk + 1000).get() is None


def test_build_task_records_bad_stored_filters_as_a_failure():
    release = Release.objects.create(filters={"categories": ["poetry"]}, formats=["jsonl"])
    assert build_release_task.delay(release.pk).get() == Release.State.FAILED
    release.refresh_from_db()
    assert release.status == Release.State.FAILED and "Unknown category: poetry" in release.error


@pytest.fixture
def queued_batch(admin_user, fixture_path):
    batch = ImportBatch.objects.create(
        source_name="dolly.jsonl",
        author=admin_user,
        target_status="approved",
        status=ImportBatch.State.QUEUED,
        line_count=10,
    )
    batch.stored_name = default_storage.save(
        f"imports/{batch.public_id}/dolly.jsonl", ContentFile(fixture_path.read_bytes())
    )
    batch.save()
    return batch


def test_import_task_imports_once(queued_batch):
    assert import_batch_task.delay(queued_batch.pk).get() == ImportBatch.State.DONE
    assert import_batch_task.delay(queued_batch.pk).get() == ImportBatch.State.DONE
    assert Demonstration.objects.count() == 10


def test_an_interrupted_import_is_failed_not_retried(queued_batch):
    ImportBatch.objects.filter(pk=queued_batch.pk).update(status=ImportBatch.State.IMPORTING)
    assert import_batch_task.delay(queued_batch.pk).get() == ImportBatch.State.FAILED
    queued_batch.refresh_from_db()
    assert "interrupted" in queued_batch.error and Demonstration.objects.count() == 0
    services.import_confirm(batch=queued_batch)
    assert import_batch_task.delay(queued_batch.pk).get() == ImportBatch.State.DONE
    assert Demonstration.objects.count() == 10


def test_an_import_that_fails_midway_rolls_everything_back(queued_batch, fixture_path, monkeypatch):
    monkeypatch.setattr(imports, "IMPORT_BATCH_SIZE", 3)
    broken = fixture_path.read_bytes() + b'{"instruction": "late", "context": "", "response": "", "category": "x"}\n'
    default_storage.delete(queued_batch.stored_name)
    default_storage.save(queued_batch.stored_name, ContentFile(broken))
    assert import_batch_task.delay(queued_batch.pk).get() == ImportBatch.State.FAILED
    queued_batch.refresh_from_db()
    assert queued_batch.status == ImportBatch.State.FAILED
    assert "dolly.jsonl:11: unknown category" in queued_batch.error and "Nothing was imported" in queued_batch.error
    assert Demonstration.objects.count() == 0
