"""What every background job of this app shares: its progress written to the database, its error text.

The progress of a running build or import is written to the database as it goes (see
``ProgressWriter``), so every process reads it from there, with or without a shared cache.
"""

import datetime
import logging
import sqlite3
import threading
import time
import uuid
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import Q
from django.db.utils import load_backend
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import ImportBatch, ImportProgress, Release
from ..writers import StorageDirectory

logger = logging.getLogger(__name__)

PROGRESS_INTERVAL = 1.0  # seconds: a running job writes its progress at most this often
_PROGRESS_LOCK_TIMEOUT_MS = 2000


class ProgressWriter:
    """The ``progress(percent)`` callback of a running job: writes the percentage to its row.

    Each write is one ``UPDATE ... SET <field> = %s`` on ``rows`` (the job's row, filtered on
    its running state, so a finished or superseded job is never touched), and happens only
    when the whole percentage changed and at least ``PROGRESS_INTERVAL`` seconds after the
    previous write.  Which connection writes depends on where the job stands:

    * the job's connection is in autocommit (a release build on SQLite): that connection,
      and the value is committed at once;
    * the job is inside a transaction on PostgreSQL (a release build reads in one read-only
      snapshot, an import runs in one transaction): a second connection to the same database,
      opened on the first write and closed by ``close()``, so the value is committed while the
      job's own transaction is still open.  A lock wait there gives up after two seconds, so a
      progress write can never hold a job up;
    * the job is inside a transaction on SQLite (an import): nothing is written until the end.
      The open transaction holds SQLite's only write lock, so a second connection could not
      write before it commits; the page shows 0 % until the import is done.

    A write that fails is logged and the job goes on: progress is never worth failing a job.
    """

    def __init__(self, rows, field="progress", *, interval=None, clock=time.monotonic):
        self.rows = rows
        self.field = field
        self.interval = PROGRESS_INTERVAL if interval is None else interval
        self.clock = clock
        self.written = None
        self.written_at = None
        self.closed = False
        self._alias = None

    def phase(self, phase):
        """Record the phase the job has reached (on an ``ImportProgress`` row), at once."""
        using = self._writing_alias()
        if using is not None and not self.closed:
            try:
                self.rows.using(using).update(phase=phase)
            except DatabaseError as error:
                logger.warning("could not record the phase of %s: %s", self.rows.model.__name__, error)

    def __call__(self, percent):
        percent = int(percent)
        if self.closed or percent == self.written:
            return
        now = self.clock()
        if self.written_at is not None and now - self.written_at < self.interval:
            return
        using = self._writing_alias()
        if using is None:
            return
        try:
            self.rows.using(using).update(**{self.field: percent})
        except DatabaseError as error:
            logger.warning("could not record the progress of %s: %s", self.rows.model.__name__, error)
        self.written, self.written_at = percent, now

    def _writing_alias(self):
        job = connections[DEFAULT_DB_ALIAS]
        if not job.in_atomic_block and job.get_autocommit():
            return DEFAULT_DB_ALIAS
        if job.vendor == "sqlite":
            return None
        if self._alias is None:
            self._alias = self._open_connection(job)
        return self._alias

    @staticmethod
    def _open_connection(job):
        settings_dict = {**job.settings_dict, "CONN_MAX_AGE": 0}
        alias = f"{DEFAULT_DB_ALIAS}-progress-{uuid.uuid4().hex[:12]}"
        connections[alias] = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias)
        if job.vendor == "postgresql":
            with connections[alias].cursor() as cursor:
                cursor.execute("SET lock_timeout = %s", [_PROGRESS_LOCK_TIMEOUT_MS])
        return alias

    def close(self):
        """No more writes; closes the second connection, if one was opened."""
        self.closed = True
        if self._alias is not None:
            alias, self._alias = self._alias, None
            try:
                connections[alias].close()
            finally:
                del connections[alias]


@contextmanager
def release_progress(release):
    writer = ProgressWriter(
        Release.objects.filter(
            pk=release.pk,
            status=Release.State.RUNNING,
            attempt=release.attempt,
        )
    )
    try:
        yield writer
    finally:
        writer.close()


@contextmanager
def import_progress(batch, *, phase=ImportProgress.Phase.IMPORTING):
    """The live row of a check or an import: its percentage, phase and heartbeat, while it runs.

    The batch row stays locked by the import's transaction, so they go to ``ImportProgress``."""
    ImportProgress.objects.update_or_create(
        batch_id=batch.pk, defaults={"percent": 0, "phase": phase, "beat_at": timezone.now()}
    )
    rows = ImportProgress.objects.filter(pk=batch.pk)
    writer = ProgressWriter(rows, "percent")
    try:
        with Heartbeat(rows, "beat_at"):
            yield writer
    finally:
        writer.close()
        ImportProgress.objects.filter(pk=batch.pk).delete()


def current_progress(obj):
    """Progress of a release or an import, as stored in the database (the row as it was read).

    A running import's percentage is in ``ImportProgress`` (one query); everything else is the
    object's own ``progress``.
    """
    if isinstance(obj, ImportBatch) and obj.status == ImportBatch.State.IMPORTING:
        live = ImportProgress.objects.filter(pk=obj.pk).values_list("percent", flat=True).first()
        return obj.progress if live is None else live
    return obj.progress


def current_phase(batch):
    """What a running check or import is doing (checking, importing, indexing), for the page; '' otherwise."""
    if batch.status not in (ImportBatch.State.CHECKING, ImportBatch.State.IMPORTING):
        return ""
    phase = ImportProgress.objects.filter(pk=batch.pk).values_list("phase", flat=True).first()
    return str(ImportProgress.Phase(phase).label) if phase else ""


def error_text(exc):
    """What a failed job records as its reason: the messages of a ``ValidationError``, else the exception."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return "; ".join(f"{k}: {m}" for k, msgs in exc.message_dict.items() for m in msgs)
        return "; ".join(exc.messages)
    return f"{type(exc).__name__}: {exc}"[:2000]


class Heartbeat:
    """While a job runs, a thread writes ``now`` into ``field`` of ``rows`` every
    ``DOLLY_JOB_HEARTBEAT_SECONDS``, on a connection of its own (so the job's open transaction is
    no obstacle, except SQLite's single write lock: see ``_database_write_locked``).  Use it as a
    context manager around the job; a beat that fails is logged and the job goes on."""

    def __init__(self, rows, field):
        self.rows = rows
        self.field = field
        self._stop = threading.Event()
        self._thread = None

    def beat(self):
        try:
            self.rows.update(**{self.field: timezone.now()})
        except DatabaseError as error:
            logger.info("could not write the heartbeat of %s: %s", self.rows.model.__name__, error)

    def _run(self):
        try:
            while not self._stop.wait(settings.DOLLY_JOB_HEARTBEAT_SECONDS):
                self.beat()
        finally:
            connections.close_all()  # this thread's connections only

    def __enter__(self):
        self.beat()
        self._thread = threading.Thread(target=self._run, name="job-heartbeat", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()


def sqlite_write_locked(path):
    """Whether a connection to the SQLite database file at ``path`` holds its write lock right now."""
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


def _database_write_locked():
    """On SQLite, whether another process holds the database's write lock.

    A running import holds it for its whole transaction, so its heartbeat cannot be written
    meanwhile; a process that died holds nothing.  Stale jobs are failed only when the lock is free.
    (An in-memory database, as in tests, is never shared with another process.)"""
    database = connections[DEFAULT_DB_ALIAS]
    if database.vendor != "sqlite" or database.is_in_memory_db():
        return False
    return sqlite_write_locked(database.settings_dict["NAME"])


def _stale_before():
    return timezone.now() - datetime.timedelta(seconds=settings.DOLLY_JOB_STALE_SECONDS)


def _waited(queued_limit):
    return Q(queued_at__lt=queued_limit) | Q(queued_at__isnull=True, created_at__lt=queued_limit)


def _fail_stale_releases(limit, queued_limit):
    """Fail the running builds whose heartbeat stopped; return how many, and the long-queued ones
    (read in the same query, so that a page's sweep costs no more than before)."""
    stale = Release.objects.filter(
        Q(status=Release.State.RUNNING)
        & (Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True, started_at__lt=limit))
        | Q(status=Release.State.QUEUED) & _waited(queued_limit)
    )
    failed, queued = 0, []
    for pk, public_id, attempt, status in stale.values_list("pk", "public_id", "attempt", "status")[:100]:
        if status == Release.State.QUEUED:
            queued.append(pk)
            continue
        marked = Release.objects.filter(pk=pk, attempt=attempt, status=Release.State.RUNNING).update(
            status=Release.State.FAILED,
            error=_("The build stopped without finishing (its worker was lost). Retry it."),
            finished_at=timezone.now(),
            files=[],
        )
        if marked:
            StorageDirectory(default_storage, f"releases/{public_id}").clear()  # the .partial-* files too
            failed += 1
    return failed, queued


def _fail_stale_imports(limit, queued_limit):
    """As ``_fail_stale_releases``, for checks and imports."""
    running = (ImportBatch.State.CHECKING, ImportBatch.State.IMPORTING)
    beating = ImportProgress.objects.filter(beat_at__gte=limit).values("batch_id")
    stale = ImportBatch.objects.filter(
        Q(status__in=running, created_at__lt=limit) & ~Q(pk__in=beating)
        | Q(status=ImportBatch.State.QUEUED) & _waited(queued_limit)
    )
    failed, queued = 0, []
    for pk, status in stale.values_list("pk", "status")[:100]:
        if status == ImportBatch.State.QUEUED:
            queued.append(pk)
            continue
        failed += ImportBatch.objects.filter(pk=pk, status=status).update(
            status=ImportBatch.State.FAILED,
            error=_("The job stopped without finishing (its worker was lost); nothing was imported. Retry it."),
            finished_at=timezone.now(),
        )
        ImportProgress.objects.filter(pk=pk).delete()
    return failed, queued


def _queued_reason(*, imported):
    minutes = max(1, round(settings.DOLLY_JOB_QUEUED_SECONDS / 60))
    waited = _("No worker took the job in %(minutes)s minutes of waiting (its queue message was lost).") % {
        "minutes": minutes
    }
    return waited + " " + (_("Nothing was imported. Retry it.") if imported else _("Nothing was built. Retry it."))


def _job_running(stale_limit):
    """Whether a build or an import is running with a live heartbeat: a queued job may be waiting for it."""
    return (
        Release.objects.filter(status=Release.State.RUNNING, heartbeat_at__gte=stale_limit).exists()
        or ImportProgress.objects.filter(beat_at__gte=stale_limit).exists()
    )


def _fail_lost_queued(stale_limit, releases, imports):
    """Fail the builds and imports queued for longer than ``DOLLY_JOB_QUEUED_SECONDS`` while no job
    runs, so that their queue message must have been lost.  Failing is safe whatever happens next:
    a late message finds the job failed and does nothing, and a person retries it (one new message)."""
    if not (releases or imports) or _job_running(stale_limit):
        return 0
    now = timezone.now()
    failed = Release.objects.filter(pk__in=releases, status=Release.State.QUEUED).update(
        status=Release.State.FAILED, error=_queued_reason(imported=False), finished_at=now
    )
    return failed + ImportBatch.objects.filter(pk__in=imports, status=ImportBatch.State.QUEUED).update(
        status=ImportBatch.State.FAILED, error=_queued_reason(imported=True), finished_at=now
    )


def jobs_fail_stale():
    """Mark failed the builds, checks and imports whose heartbeat stopped, and remove their partial
    files; and those still queued after ``DOLLY_JOB_QUEUED_SECONDS`` while nothing runs.  Runs on
    reading a release or import page or API, and every minute from Celery beat.
    Returns how many jobs were marked."""
    if _database_write_locked():
        return 0
    limit = _stale_before()
    queued_limit = timezone.now() - datetime.timedelta(seconds=settings.DOLLY_JOB_QUEUED_SECONDS)
    failed_releases, queued_releases = _fail_stale_releases(limit, queued_limit)
    failed_imports, queued_imports = _fail_stale_imports(limit, queued_limit)
    return failed_releases + failed_imports + _fail_lost_queued(limit, queued_releases, queued_imports)
