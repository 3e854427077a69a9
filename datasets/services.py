"""Every state change of releases and imports goes through one function here.

Views, the API, management commands and Celery tasks call these.  Callers check that the
user is an admin; the services check state.  The progress of a running build or import is
written to the database as it goes (see ``ProgressWriter``), so every process reads it from
there, with or without a shared cache.
"""

import datetime
import logging
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.db.models import Exists, Max, Min, OuterRef
from django.db.utils import load_backend
from django.utils import timezone
from django.utils.translation import gettext as _

from annotations import quality
from annotations.models import Category, Demonstration, Status
from core.tasks import enqueue

from .bulk import already_imported, inserter_for
from .export import HASH_LIST_NAME, Exporter, export_snapshot, read_hash_list
from .importing import MAX_REPORTED_PROBLEMS, CategoryPlan, parsed_lines
from .models import ImportBatch, ImportedRecord, ImportProgress, Release
from .options import ExportOptions
from .writers import LocalDirectory, StorageDirectory

logger = logging.getLogger(__name__)

IMPORT_ACCOUNT = "dataset-import"
IMPORT_STATUSES = (Status.APPROVED, Status.SUBMITTED)
IMPORT_BATCH_SIZE = 2000
_IMPORT_LOCK = 0x646F6C6C79  # any constant: imports take it so that two never run at once
PROGRESS_INTERVAL = 1.0  # seconds: a running job writes its progress at most this often
_PROGRESS_LOCK_TIMEOUT_MS = 2000


class ImportRefused(Exception):
    """The file (or the batch's state) does not allow the import; nothing was kept.

    ``report`` is the ``ImportCheck`` listing the bad lines, when lines were the reason.
    """

    def __init__(self, reason):
        self.report = reason if isinstance(reason, ImportCheck) else None
        if self.report is not None:
            shown = "; ".join(self.report.problems[:3])
            more = self.report.problem_count - min(3, len(self.report.problems))
            reason = shown + (f" (and {more} more bad lines)" if more > 0 else "")
        super().__init__(reason)


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
                cursor.execute(f"SET lock_timeout = {_PROGRESS_LOCK_TIMEOUT_MS}")
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
def _release_progress(release):
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
def _import_progress(batch):
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


def _error_text(exc):
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return "; ".join(f"{k}: {m}" for k, msgs in exc.message_dict.items() for m in msgs)
        return "; ".join(exc.messages)
    return f"{type(exc).__name__}: {exc}"[:2000]


# Releases ------------------------------------------------------------------------------


def create_release(*, created_by, options):
    """Record a release and queue its build once the transaction commits."""
    from .tasks import build_release_task

    fail_stalled_releases()
    release = Release.objects.create(
        created_by=created_by,
        filters=options.filters_dict(),
        formats=list(options.formats),
    )
    enqueue(build_release_task, release.pk, on_failure=lambda error: _queue_unavailable(release))
    return release


def _queue_unavailable(release):
    """The broker refused the build: say so on the release instead of leaving it queued forever."""
    Release.objects.filter(pk=release.pk, status=Release.State.QUEUED, attempt=0).update(
        status=Release.State.FAILED,
        finished_at=timezone.now(),
        error=_(
            "The task queue is unavailable, so the release was not built. Nothing was lost: "
            "create the release again once the queue is back."
        ),
    )
    release.refresh_from_db()


def fail_stalled_releases(*, now=None):
    """Mark failed the releases still 'running' long after any worker could still be on them.

    A build cannot outlive the Celery hard time limit; past it (plus a margin) its worker
    was lost.  Their files are removed.  Returns how many were marked.
    """
    now = now or timezone.now()
    limit = now - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 300)
    stalled = list(
        Release.objects.filter(status=Release.State.RUNNING, started_at__lt=limit).values_list(
            "pk", "public_id", "attempt"
        )[:100]
    )
    for pk, public_id, attempt in stalled:
        if _fail_release(pk, attempt, _("The build stopped without finishing; create a new release.")):
            StorageDirectory(default_storage, f"releases/{public_id}").clear()
    return len(stalled)


def _claim_release(release_id):
    """Take the release for a build: queued, or running from a lost worker (rebuilt from scratch).

    Returns the release with its new ``attempt``, or ``None`` when it is finished or unknown.
    """
    with transaction.atomic():
        release = Release.objects.select_for_update().filter(pk=release_id).first()
        if release is None or release.is_finished:
            return None
        release.status = Release.State.RUNNING
        release.attempt += 1
        release.started_at = timezone.now()
        release.progress = 0
        release.error = ""
        release.files = []
        release.save(update_fields=["status", "attempt", "started_at", "progress", "error", "files"])
    return release


def _fail_release(pk, attempt, message):
    return Release.objects.filter(pk=pk, attempt=attempt, status=Release.State.RUNNING).update(
        status=Release.State.FAILED,
        error=message,
        finished_at=timezone.now(),
        files=[],
    )


def previous_release(release):
    return (
        Release.objects.filter(status=Release.State.DONE, created_at__lt=release.created_at)
        .exclude(pk=release.pk)
        .order_by("-created_at", "-id")
        .first()
    )


def _hash_loader(release):
    def load():
        try:
            with StorageDirectory(default_storage, release.storage_prefix).open(HASH_LIST_NAME) as handle:
                return read_hash_list(handle)
        except FileNotFoundError:
            return None

    return load


def build_release(release_id):
    """Build the bundle of a release and mark it done, or failed with the reason.

    Idempotent: a finished release is left as it is; a release found 'running' (its worker
    died and the task was delivered again) is rebuilt from scratch.  Each build has an
    ``attempt`` number and only the build holding the latest one may publish or finish.
    Never raises for a failed export: the release records the error instead.
    """
    release = _claim_release(release_id)
    if release is None:
        return Release.objects.filter(pk=release_id).values_list("status", flat=True).first()
    attempt = release.attempt
    destination = StorageDirectory(default_storage, release.storage_prefix)
    previous = previous_release(release)
    try:
        destination.clear()
        options = ExportOptions.from_dict(release.filters, formats=release.formats)
        # The writer is closed before publishing, which locks the release row; publishing writes 100.
        with _release_progress(release) as progress:
            exporter = Exporter(
                options,
                destination,
                bundle=True,
                progress=progress,
                title=getattr(settings, "DOLLY_DATASET_TITLE", "Dolly Collect dataset"),
                release_id=str(release.public_id),
                released_at=release.created_at.date().isoformat(),
                previous=(str(previous.public_id), _hash_loader(previous)) if previous else None,
            )
            exporter.prepare()
            with export_snapshot():
                exporter.build()
        with transaction.atomic():
            current = Release.objects.select_for_update().get(pk=release.pk)
            if current.attempt != attempt or current.status != Release.State.RUNNING:
                exporter.discard()
                return current.status
            result = exporter.publish()
            diff = result.diff or {}
            current.status = Release.State.DONE
            current.progress = 100
            current.finished_at = timezone.now()
            current.record_count = result.record_count
            current.counts = result.counts
            current.files = result.files
            current.manifest = result.manifest
            current.card = result.card
            current.previous = previous if diff else None
            current.added_count = diff.get("added")
            current.removed_count = diff.get("removed")
            current.save()
    except Exception as exc:
        logger.exception("Release %s failed", release.public_id)
        if _fail_release(release.pk, attempt, _error_text(exc)):
            destination.clear()
        return Release.State.FAILED
    return Release.State.DONE


def export_to_path(options, out, *, bundle=False, naming=None, progress=None):
    """What ``manage.py export_dataset`` runs: the same pipeline, into a local directory."""
    exporter = Exporter(
        options, LocalDirectory(out), bundle=bundle, progress=progress, **({"naming": naming} if naming else {})
    )
    exporter.prepare()
    with export_snapshot():
        exporter.build()
    return exporter.publish()


# Imports -------------------------------------------------------------------------------


@dataclass
class ImportCheck:
    source_name: str
    line_count: int = 0
    problems: list = field(default_factory=list)
    problem_count: int = 0
    duplicate_count: int = 0
    new_categories: list = field(default_factory=list)

    @property
    def ok(self):
        return self.problem_count == 0

    def refuse_line(self, number, reason):
        """Count a bad line; keep its ``FILE:LINE: reason`` among the first ``MAX_REPORTED_PROBLEMS``."""
        self.problem_count += 1
        if len(self.problems) < MAX_REPORTED_PROBLEMS:
            self.problems.append(f"{self.source_name}:{number}: {reason}")

    def refuse_if_empty(self):
        if self.line_count == 0:
            self.problem_count += 1
            self.problems.append(f"{self.source_name}: {_('the file holds no records')}")


def import_account():
    """The account imported records are credited to when no author is named: inactive, no password."""
    user, created = get_user_model().objects.get_or_create(
        username=IMPORT_ACCOUNT,
        defaults={"is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def resolve_import_author(username):
    if not username:
        return import_account()
    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist:
        raise ValidationError({"author": [_("No user is called %(name)s.") % {"name": username}]})


def check_import_status(status):
    if status not in IMPORT_STATUSES:
        raise ValidationError({"status": [_("Imported records are either approved or submitted.")]})
    return status


def check_import_file(opener, *, source_name, create_categories=False):
    """Check every line; nothing is written.  Reports up to 50 bad lines and how many records
    were imported before (they will be skipped)."""
    report = ImportCheck(source_name=source_name)
    plan = CategoryPlan.load(create=create_categories)
    pending = []

    def count_duplicates():
        known = already_imported(pending)
        report.duplicate_count += sum(1 for digest in pending if digest in known)
        pending.clear()

    for number, parsed in parsed_lines(opener, plan):
        report.line_count = number
        if isinstance(parsed, str):
            report.refuse_line(number, parsed)
            continue
        pending.append(parsed.digest)
        if len(pending) >= IMPORT_BATCH_SIZE:
            count_duplicates()
    count_duplicates()
    report.refuse_if_empty()
    report.new_categories = sorted(plan.new)
    return report


def _serialise_imports():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_IMPORT_LOCK])


def _save_new_categories(plan):
    position = max(Category.objects.values_list("position", flat=True), default=0)
    for category in plan.new.values():
        if category.pk is None:
            position += 1
            category.position = position
            category.save()


def import_file(opener, *, batch, progress=None):
    """Import every line of the file, in file order, in one transaction, for a batch in 'importing'.

    One pass: each line is checked and written as it is read.  At the first bad line the
    writing stops, the remaining lines are still checked, and ``ImportRefused`` (with every
    problem) rolls the whole transaction back, so nothing of a bad file is ever kept.  Records
    imported before (same content hash, other batch) are skipped.  The batch is marked done in
    the same transaction.
    """
    progress = progress or (lambda percent: None)
    with transaction.atomic():
        _serialise_imports()
        locked = ImportBatch.objects.select_for_update().select_related("author").get(pk=batch.pk)
        if locked.status != ImportBatch.State.IMPORTING:
            raise ImportRefused(
                _("The import is no longer waiting to run (it is %(status)s).")
                % {"status": locked.get_status_display().lower()}
            )
        plan = CategoryPlan.load(create=locked.create_categories)
        inserter = inserter_for(author=locked.author, status=locked.target_status, batch=locked, now=timezone.now())
        report = ImportCheck(source_name=locked.source_name)
        pending = []

        def flush():
            if plan.new:
                inserter.wait()
                _save_new_categories(plan)
            inserter.insert(pending, {**plan.known, **plan.new})
            pending.clear()

        total = max(locked.line_count, 1)
        with inserter:
            for number, parsed in parsed_lines(opener, plan):
                report.line_count = number
                if isinstance(parsed, str):
                    report.refuse_line(number, parsed)
                    pending.clear()
                    continue
                if report.problem_count:
                    continue
                pending.append(parsed)
                if len(pending) >= IMPORT_BATCH_SIZE:
                    flush()
                    progress(min(99, 100 * number // total))
            report.refuse_if_empty()
            if report.problem_count:
                raise ImportRefused(report)
            if pending:
                flush()
        locked.status = ImportBatch.State.DONE
        locked.line_count = report.line_count
        locked.imported_count = inserter.imported
        locked.skipped_count = inserter.skipped
        locked.progress = 100
        locked.finished_at = timezone.now()
        locked.save()
    report.new_categories = sorted(plan.new)
    return locked, report


def index_imported_records(batch_id):
    """Store the near-duplicate index (LSH bands) of the records a finished import wrote.

    ``import_file`` writes its rows in bulk, without the review checks that index a submission,
    so without this later submissions would not find imported records as duplicates.  It runs
    after the import's transaction has committed: ``manage.py import_dataset`` calls it as a
    step of its own, an upload queues it as a task (``queue_import_indexing``).  Safe to run
    again.  Returns how many records were indexed.
    """
    if not ImportBatch.objects.filter(pk=batch_id, status=ImportBatch.State.DONE).exists():
        return 0
    span = ImportedRecord.objects.filter(batch_id=batch_id).aggregate(
        first=Min("demonstration_id"), last=Max("demonstration_id")
    )
    if span["first"] is None:
        return 0
    imported = Demonstration.objects.filter(pk__gte=span["first"], pk__lte=span["last"]).filter(
        Exists(ImportedRecord.objects.filter(demonstration_id=OuterRef("pk"), batch_id=batch_id))
    )
    return quality.index_instruction_bands(imported)


def queue_import_indexing(batch):
    """Queue ``index_imported_records`` for a finished upload, once the current transaction commits.

    If the queue is down the records stay unindexed until ``manage.py refresh_instruction_bands
    --missing`` runs (a deduplicated export also indexes the records it selects first)."""
    from .tasks import index_import_task

    return enqueue(index_import_task, batch.pk)


def start_import(*, source_name, author, target_status, create_categories, line_count, created_by=None):
    """A batch for the command line, which has already checked the file: straight to 'importing'."""
    return ImportBatch.objects.create(
        created_by=created_by,
        source_name=source_name[:255],
        author=author,
        target_status=target_status,
        create_categories=create_categories,
        status=ImportBatch.State.IMPORTING,
        line_count=line_count,
    )


def fail_import(batch, message):
    ImportBatch.objects.filter(pk=batch.pk).exclude(status=ImportBatch.State.DONE).update(
        status=ImportBatch.State.FAILED,
        error=message,
        finished_at=timezone.now(),
    )


def stage_import(*, created_by, upload, target_status, author_username="", create_categories=False):
    """Store an uploaded file and check it.  Returns the batch, 'valid' or 'invalid'; nothing is imported."""
    check_import_status(target_status)
    author = resolve_import_author(author_username)
    batch = ImportBatch(
        created_by=created_by,
        source_name=(upload.name or "upload.jsonl")[:255],
        author=author,
        target_status=target_status,
        create_categories=create_categories,
        status=ImportBatch.State.INVALID,
    )
    batch.stored_name = default_storage.save(f"imports/{batch.public_id}/{batch.source_name}", upload)
    report = check_import_file(
        lambda: default_storage.open(batch.stored_name, "rb"),
        source_name=batch.source_name,
        create_categories=create_categories,
    )
    batch.status = ImportBatch.State.VALID if report.ok else ImportBatch.State.INVALID
    batch.line_count = report.line_count
    batch.problems = report.problems
    batch.problem_count = report.problem_count
    batch.skipped_count = report.duplicate_count
    batch.new_categories = report.new_categories
    batch.save()
    return batch


def confirm_import(*, batch):
    """Queue the import of a checked file.  A failed import can be confirmed again, by a person."""
    from .tasks import import_batch_task

    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status not in (ImportBatch.State.VALID, ImportBatch.State.FAILED) or not locked.stored_name:
            raise ValidationError(_("Only a checked file that is not imported yet can be imported."))
        locked.status = ImportBatch.State.QUEUED
        locked.error = ""
        locked.progress = 0
        locked.save(update_fields=["status", "error", "progress"])
        enqueue(import_batch_task, locked.pk, on_failure=lambda error: _import_queue_unavailable(locked))
    return locked


def _import_queue_unavailable(batch):
    """The broker refused the import: nothing was imported, and the batch can be confirmed again."""
    ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.State.QUEUED).update(
        status=ImportBatch.State.FAILED,
        error=_(
            "The task queue is unavailable; nothing was imported. Confirm the import again once the queue is back."
        ),
    )
    batch.refresh_from_db()


def run_import_batch(batch_id):
    """The Celery side of an upload.  Never retried blindly: a batch found 'importing' was
    interrupted (its transaction rolled back, nothing was imported) and is marked failed for a
    person to confirm again."""
    claimed = ImportBatch.objects.filter(pk=batch_id, status=ImportBatch.State.QUEUED).update(
        status=ImportBatch.State.IMPORTING
    )
    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        return None
    if not claimed:
        if batch.status == ImportBatch.State.IMPORTING:
            fail_import(batch, _("The import was interrupted; nothing was imported. Confirm it again to retry."))
        return ImportBatch.objects.filter(pk=batch_id).values_list("status", flat=True).first()
    try:
        with _import_progress(batch) as progress:
            import_file(lambda: default_storage.open(batch.stored_name, "rb"), batch=batch, progress=progress)
    except Exception as exc:
        logger.exception("Import %s failed", batch.public_id)
        fail_import(batch, _error_text(exc) + " " + _("Nothing was imported."))
        return ImportBatch.State.FAILED
    queue_import_indexing(batch)
    return ImportBatch.State.DONE
