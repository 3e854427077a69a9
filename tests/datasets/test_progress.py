"""A running release or import writes its progress to the database, where every process reads it.

The cache is a dummy in every test here: progress must not depend on it.  "Elsewhere" is
another thread, which has database connections of its own, so it sees only what was committed,
as another web process would.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import OperationalError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from datasets import services, sources
from datasets.export import Exporter
from datasets.models import ImportBatch, ImportProgress, Release
from datasets.options import ExportOptions
from datasets.services import imports, jobs

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def no_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


@pytest.fixture
def elsewhere():
    """``elsewhere(function, *args)`` runs ``function`` on another thread, with its own connection."""
    executor = ThreadPoolExecutor(max_workers=1)

    def run(function, *args):
        return executor.submit(function, *args).result(timeout=30)

    yield run
    executor.submit(connections.close_all).result(timeout=30)
    executor.shutdown()


def stored_progress(model, pk):
    return model.objects.filter(pk=pk).values_list("progress", flat=True).get()


def running_release():
    return Release.objects.create(
        filters=ExportOptions().filters_dict(), formats=["jsonl"], status=Release.State.RUNNING, attempt=1
    )


def test_a_running_build_shows_its_progress_in_the_api_of_other_processes(
    approved, admin_user, api_for, monkeypatch, elsewhere
):
    for n in range(6):
        approved("open_qa", instruction=f"Question number {n}?")
    monkeypatch.setattr(sources, "CHUNK_SIZE", 1)
    monkeypatch.setattr(jobs, "PROGRESS_INTERVAL", 0)
    release = Release.objects.create(filters=ExportOptions().filters_dict(), formats=["jsonl"])
    api = api_for(admin_user)
    url = reverse("api:export-detail", kwargs={"id": release.public_id})
    seen = []
    report = Exporter._report

    def report_and_look(self, *args):
        report(self, *args)
        body = elsewhere(lambda: api.get(url).json())
        seen.append(
            (self._last_percent, elsewhere(stored_progress, Release, release.pk), body["progress"], body["status"])
        )

    monkeypatch.setattr(Exporter, "_report", report_and_look)
    assert services.release_build(release.pk) == Release.State.DONE

    assert [percent for percent, *_ in seen] == [15, 31, 47, 63, 79, 95]
    for percent, in_the_row, in_the_api, status in seen:
        assert in_the_row == in_the_api == percent and status == "running"
    assert elsewhere(lambda: api.get(url).json()["progress"]) == 100


def test_progress_is_written_when_the_percentage_changes_at_most_once_per_interval(elsewhere):
    release = running_release()
    now = [0.0]
    writer = services.ProgressWriter(
        Release.objects.filter(pk=release.pk, status=Release.State.RUNNING), interval=1.0, clock=lambda: now[0]
    )
    steps = [(0.0, 5, 5), (0.5, 9, 5), (1.2, 9.7, 9), (5.0, 9, 9), (5.1, 12, 12), (5.5, 13, 12), (6.2, 13, 13)]
    with CaptureQueriesContext(connection) as queries:
        for at, percent, expected in steps:
            now[0] = at
            writer(percent)
            assert elsewhere(stored_progress, Release, release.pk) == expected, (at, percent)
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 4 and all('"status"' in sql for sql in updates)

    Release.objects.filter(pk=release.pk).update(status=Release.State.DONE, progress=100)
    now[0] = 10.0
    writer(50)
    assert stored_progress(Release, release.pk) == 100  # only a running job's row is written
    writer.close()


def test_inside_a_transaction_progress_goes_through_a_connection_of_its_own(elsewhere):
    release = running_release()
    writer = services.ProgressWriter(Release.objects.filter(pk=release.pk, status=Release.State.RUNNING), interval=0)
    with transaction.atomic():
        writer(42)
        seen = elsewhere(stored_progress, Release, release.pk)
        alias = writer._alias
    writer.close()
    if connection.vendor == "sqlite":
        # SQLite: the transaction holds the only write lock; nothing is written, nothing waits.
        assert seen == 0 and alias is None
    else:
        assert seen == 42 and alias is not None
        assert not hasattr(connections._connections, alias)  # closed and forgotten
    assert stored_progress(Release, release.pk) == seen


class LockedRows:
    """Rows whose update fails as a busy database does."""

    model = Release

    def using(self, alias):
        return self

    def update(self, **values):
        raise OperationalError("database is locked")


def test_a_failing_progress_write_is_logged_and_the_job_goes_on(caplog):
    writer = services.ProgressWriter(LockedRows(), interval=0)
    writer(10)
    writer(20)
    assert caplog.text.count("could not record the progress of Release: database is locked") == 2


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


def test_a_running_import_shows_its_progress_to_other_processes(
    queued_batch, admin_user, client_for, monkeypatch, elsewhere
):
    monkeypatch.setattr(imports, "IMPORT_BATCH_SIZE", 2)
    monkeypatch.setattr(imports, "FIRST_BATCH_DIVISOR", 1)
    monkeypatch.setattr(jobs, "PROGRESS_INTERVAL", 0)
    admin = client_for(admin_user)
    url = reverse("datasets:import-status", args=[queued_batch.public_id])
    seen = []
    import_records = services.import_records

    def import_and_look(opener, *, batch, progress, **options):
        def report_and_look(percent):
            progress(percent)
            seen.append((percent, elsewhere(lambda: admin.get(url).json())))

        return import_records(opener, batch=batch, progress=report_and_look, **options)

    monkeypatch.setattr(imports, "import_records", import_and_look)
    assert services.import_run(queued_batch.pk) == ImportBatch.State.DONE

    assert [percent for percent, _ in seen] == [20, 40, 60, 80, 99]
    assert all(status["status"] == "importing" for _, status in seen)
    shown = [status["progress"] for _, status in seen]
    if connection.vendor == "sqlite":
        assert shown == [0] * 5  # the import's transaction holds SQLite's only write lock
    else:
        assert shown == [20, 40, 60, 80, 99]
    final = elsewhere(lambda: admin.get(url).json())
    assert final["status"] == "done" and final["progress"] == 100
    assert not ImportProgress.objects.exists()
