"""What every background job of this app shares: its progress written to the database, its error text.

The progress of a running build or import is written to the database as it goes (see
``ProgressWriter``), so every process reads it from there, with or without a shared cache.
"""

import logging
import time
import uuid
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.utils import load_backend

from ..models import ImportBatch, ImportProgress, Release

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
def import_progress(batch):
    """The batch row stays locked by the import's transaction: progress goes to ``ImportProgress``."""
    ImportProgress.objects.update_or_create(batch_id=batch.pk, defaults={"percent": 0})
    writer = ProgressWriter(ImportProgress.objects.filter(pk=batch.pk), "percent")
    try:
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


def error_text(exc):
    """What a failed job records as its reason: the messages of a ``ValidationError``, else the exception."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return "; ".join(f"{k}: {m}" for k, msgs in exc.message_dict.items() for m in msgs)
        return "; ".join(exc.messages)
    return f"{type(exc).__name__}: {exc}"[:2000]
