"""A Celery worker killed (SIGKILL) in the middle of an export or an import.

The export is redelivered (``acks_late``) and rebuilt from scratch to the same bytes; while
it is unfinished no file of it can be downloaded.  The import is never run a second time on
its own: it is marked failed with nothing imported, for a person to confirm again.
"""

import hashlib
import time

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from annotations.models import Category, Demonstration, Origin, Status
from datasets import services
from datasets.models import ImportBatch, Release
from datasets.options import ExportOptions
from datasets.writers import PARTIAL_MARK as PARTIAL
from dolly_collect.celery import app as celery_app
from tests.factories import AdminFactory, UserFactory

from .workers import Worker

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql" or not settings.REDIS_URL,
    reason="needs PostgreSQL and REDIS_URL (a real worker)",
)
RECORDS = 40_000
VISIBILITY = 3


@pytest.fixture
def queue(seeded, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    celery_app.control.purge()
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    workers = []

    def start(name, started=None):
        worker = Worker(name, started, MEDIA_ROOT=tmp_path, CELERY_VISIBILITY_TIMEOUT=VISIBILITY)
        workers.append(worker)
        return worker

    yield start
    celery_app.conf.task_always_eager = previous
    for worker in workers:
        worker.stop()
    celery_app.control.purge()


def _approved_records(count):
    author = UserFactory(username="prolific")
    categories = list(Category.objects.filter(needs_context=False))
    rows = [
        Demonstration(
            author=author,
            category=categories[n % len(categories)],
            status=Status.APPROVED,
            origin=Origin.WEB,
            instruction=f"Question {n}: what is {n} squared, and why?",
            response=f"{n} squared is {n * n}, because squaring multiplies a number by itself. " * 3,
        )
        for n in range(count)
    ]
    for row in rows:
        row.set_text_hashes()
    Demonstration.objects.bulk_create(rows, batch_size=5000)


def _wait_for(predicate, timeout, interval=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"not reached within {timeout}s")


def _sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_export_whose_worker_dies_is_redelivered_and_completes_with_the_same_bytes(queue, api_for, tmp_path):
    _approved_records(RECORDS)
    admin = AdminFactory(username="boss")
    first = queue("doomed")
    release = services.release_create(created_by=admin, options=ExportOptions(formats=("jsonl",)))
    _wait_for(lambda: Release.objects.filter(pk=release.pk, status=Release.State.RUNNING).exists(), timeout=180)
    time.sleep(0.3)
    first.kill()

    release.refresh_from_db()
    assert release.status == Release.State.RUNNING, "the build finished before the worker was killed"
    assert release.files == []
    download = reverse("api:export-download", kwargs={"id": release.public_id, "file": "data.jsonl"})
    assert api_for(admin).get(download).status_code == 404

    queue("rescuer", started=lambda: Release.objects.filter(pk=release.pk, attempt__gte=2).exists())
    _wait_for(
        lambda: Release.objects.filter(pk=release.pk, status=Release.State.DONE).exists(),
        timeout=VISIBILITY + 90,
        interval=0.5,
    )
    release.refresh_from_db()
    assert release.attempt == 2
    assert release.record_count == RECORDS
    entry = release.file_entry("data.jsonl")
    response = api_for(admin).get(download)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == entry["sha256"]
    assert body.count(b"\n") == RECORDS

    again = services.release_create(created_by=admin, options=ExportOptions(formats=("jsonl",)))
    _wait_for(
        lambda: Release.objects.filter(pk=again.pk, status=Release.State.DONE).exists(), timeout=120, interval=0.5
    )
    again.refresh_from_db()
    assert again.file_entry("data.jsonl")["sha256"] == entry["sha256"]


def test_an_import_whose_worker_dies_is_failed_not_retried(queue, tmp_path):
    admin = AdminFactory(username="boss")
    lines = b"".join(
        b'{"instruction": "Imported question %d?", "context": "", "response": "Answer %d, in full.", '
        b'"category": "open_qa"}\n' % (n, n)
        for n in range(RECORDS)
    )
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    batch = ImportBatch.objects.create(
        source_name="big.jsonl",
        author=admin,
        target_status="approved",
        status=ImportBatch.State.VALID,
        line_count=RECORDS,
    )
    batch.stored_name = default_storage.save(f"imports/{batch.public_id}/big.jsonl", ContentFile(lines))
    batch.save()
    first = queue("doomed")
    services.import_confirm(batch=batch)
    _wait_for(lambda: ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.State.IMPORTING).exists(), timeout=180)
    time.sleep(0.3)
    first.kill()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.State.IMPORTING, "the import finished before the worker was killed"
    assert Demonstration.objects.count() == 0

    queue("rescuer")
    _wait_for(
        lambda: ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.State.FAILED).exists(),
        timeout=VISIBILITY + 90,
        interval=0.5,
    )
    batch.refresh_from_db()
    assert "interrupted" in batch.error
    assert Demonstration.objects.count() == 0


# With no redelivery in sight (the visibility timeout is long, as the file-system broker has none),
# a lost job must be noticed by its heartbeat, failed, cleaned and retried by a person.
STALE = 4


@pytest.fixture
def lost_queue(seeded, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.DOLLY_JOB_STALE_SECONDS = STALE
    celery_app.control.purge()
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    workers = []

    def start(name):
        worker = Worker(
            name,
            MEDIA_ROOT=tmp_path,
            CELERY_VISIBILITY_TIMEOUT=3600,
            DOLLY_JOB_HEARTBEAT_SECONDS=1,
            DOLLY_JOB_STALE_SECONDS=STALE,
        )
        workers.append(worker)
        return worker

    yield start
    celery_app.conf.task_always_eager = previous
    for worker in workers:
        worker.stop()
    celery_app.control.purge()


def test_a_killed_release_is_failed_by_its_heartbeat_cleaned_and_retried(lost_queue, api_for, tmp_path):
    _approved_records(RECORDS)
    admin = AdminFactory(username="boss")
    first = lost_queue("doomed")
    release = services.release_create(created_by=admin, options=ExportOptions(formats=("jsonl", "csv")))
    folder = tmp_path / "releases" / str(release.public_id)
    _wait_for(lambda: folder.exists() and any(PARTIAL in p.name for p in folder.iterdir()), timeout=180)
    first.kill()
    assert any(PARTIAL in p.name for p in folder.iterdir()), "the build finished before the worker was killed"

    api = api_for(admin)
    detail = reverse("api:export-detail", kwargs={"id": release.public_id})
    failed = _wait_for(lambda: (body := api.get(detail).json())["status"] == "failed" and body, timeout=STALE + 30)
    assert "worker was lost" in failed["error"] and failed["files"] == []
    assert list(folder.iterdir()) == [], "the partial files are removed"

    lost_queue("rescuer")
    assert api.post(reverse("api:export-retry", kwargs={"id": release.public_id})).status_code == 202
    _wait_for(
        lambda: Release.objects.filter(pk=release.pk, status=Release.State.DONE).exists(), timeout=120, interval=0.5
    )
    release.refresh_from_db()
    assert release.record_count == RECORDS and release.attempt == 2
    assert not any(PARTIAL in p.name for p in folder.iterdir())


def test_a_killed_import_is_failed_by_its_heartbeat_and_retried_whole_with_its_indexing(
    lost_queue, client_for, tmp_path
):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from annotations.models import InstructionBand

    admin = AdminFactory(username="boss")
    lines = b"".join(
        b'{"instruction": "Imported question %d about rivers and seas?", "context": "", '
        b'"response": "Answer %d, in full.", "category": "open_qa"}\n' % (n, n)
        for n in range(RECORDS)
    )
    batch = ImportBatch.objects.create(
        source_name="big.jsonl",
        author=admin,
        target_status="approved",
        status=ImportBatch.State.VALID,
        line_count=RECORDS,
    )
    batch.stored_name = default_storage.save(f"imports/{batch.public_id}/big.jsonl", ContentFile(lines))
    batch.save()
    first = lost_queue("doomed")
    services.import_confirm(batch=batch)
    _wait_for(lambda: ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.State.IMPORTING).exists(), timeout=180)
    time.sleep(0.5)
    first.kill()
    assert Demonstration.objects.count() == 0

    page = client_for(admin)
    status_url = reverse("datasets:import-status", args=[batch.public_id])
    failed = _wait_for(lambda: (body := page.get(status_url).json())["status"] == "failed" and body, timeout=STALE + 30)
    assert "worker was lost" in failed["error"] and failed["finished"]
    assert Demonstration.objects.count() == 0 and InstructionBand.objects.count() == 0

    lost_queue("rescuer")
    assert page.post(reverse("datasets:import-confirm", args=[batch.public_id])).status_code == 302
    _wait_for(
        lambda: ImportBatch.objects.filter(pk=batch.pk, status__in=["done", "failed"]).exists(),
        timeout=900,  # 40,000 records imported and indexed in one transaction, on a busy machine
        interval=0.5,
    )
    batch.refresh_from_db()
    assert batch.status == ImportBatch.State.DONE, batch.error
    assert batch.imported_count == RECORDS and Demonstration.objects.count() == RECORDS
    indexed = InstructionBand.objects.values("demonstration_id").distinct().count()
    assert indexed == RECORDS, "imported and indexed together"
    assert batch.stored_name == ""
