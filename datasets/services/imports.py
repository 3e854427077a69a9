"""Imports of dolly-format files: check a file, stage an upload, import it in one transaction, index it.

Views, the API, management commands and Celery tasks call these.  Callers check that the
user is an admin; the services check state.
"""

import logging
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, Max, Min, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from annotations import quality
from annotations.models import Category, Demonstration, Status
from core import storage as file_storage
from core.locks import transaction_lock
from core.tasks import enqueue

from ..bulk import already_imported, inserter_for
from ..importing import MAX_REPORTED_PROBLEMS, CategoryPlan, Stop, parsed_lines
from ..models import ImportBatch, ImportedRecord, ImportProgress
from ..webhooks.events import import_event
from .jobs import error_text, import_progress

logger = logging.getLogger(__name__)

IMPORT_ACCOUNT = "dataset-import"
IMPORT_STATUSES = (Status.APPROVED, Status.SUBMITTED)
IMPORT_BATCH_SIZE = 2000
# The first batch is written this much smaller, so the database starts writing (and the second
# process hashing) after a few hundred lines rather than after a whole batch.
FIRST_BATCH_DIVISOR = 8
IMPORT_TASK = "datasets.import_batch"
CHECK_TASK = "datasets.import_check"
_IMPORT_LOCK = 0x646F6C6C79  # any constant: imports take it so that two never run at once


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
        if len(self.problems) < MAX_REPORTED_PROBLEMS or isinstance(reason, Stop):
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


def import_check_file(opener, *, source_name, create_categories=False):
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


def _save_new_categories(plan):
    position = max(Category.objects.values_list("position", flat=True), default=0)
    for category in plan.new.values():
        if category.pk is None:
            position += 1
            category.position = position
            category.save()


def _no_progress(percent):
    pass


def _lock_importing(batch):
    locked = ImportBatch.objects.select_for_update().select_related("author").get(pk=batch.pk)
    if locked.status != ImportBatch.State.IMPORTING:
        raise ImportRefused(
            _("The import is no longer waiting to run (it is %(status)s).")
            % {"status": locked.get_status_display().lower()}
        )
    return locked


def _write_lines(opener, *, plan, inserter, report, progress, total):
    """Check every line and write the good ones until the first bad one; raises ``ImportRefused``."""
    pending = []
    batch_size = max(1, IMPORT_BATCH_SIZE // FIRST_BATCH_DIVISOR)

    def flush():
        nonlocal batch_size
        if plan.new:
            inserter.wait()
            _save_new_categories(plan)
        inserter.insert(pending, {**plan.known, **plan.new})
        pending.clear()
        batch_size = IMPORT_BATCH_SIZE

    for number, parsed in parsed_lines(opener, plan):
        report.line_count = number
        if isinstance(parsed, str):
            report.refuse_line(number, parsed)
            pending.clear()
            continue
        if report.problem_count:
            continue
        pending.append(parsed)
        if len(pending) >= batch_size:
            flush()
            progress(min(99, 100 * number // total))
    report.refuse_if_empty()
    if report.problem_count:
        raise ImportRefused(report)
    if pending:
        flush()


def import_records(opener, *, batch, progress=None, index=False):
    """Import every line of the file, in file order, in one transaction, for a batch in 'importing'.

    One pass: each line is checked and written as it is read.  At the first bad line the
    writing stops, the remaining lines are still checked, and ``ImportRefused`` (with every
    problem) rolls the whole transaction back, so nothing of a bad file is ever kept.  Records
    imported before (same content hash, other batch) are skipped.  The batch is marked done in
    the same transaction, and with ``index`` each batch of records is written with its LSH bands
    for the duplicate checks: the import, its indexing and its 'done' commit together or not at all.
    """
    progress = progress or _no_progress
    with transaction.atomic():
        transaction_lock(_IMPORT_LOCK)
        locked = _lock_importing(batch)
        plan = CategoryPlan.load(create=locked.create_categories)
        inserter = inserter_for(
            author=locked.author, status=locked.target_status, batch=locked, now=timezone.now(), index=index
        )
        report = ImportCheck(source_name=locked.source_name)
        with inserter:
            _write_lines(
                opener, plan=plan, inserter=inserter, report=report, progress=progress, total=max(locked.line_count, 1)
            )
        upload = locked.stored_name
        locked.stored_name = ""  # a done batch is never imported again: its upload goes when 'done' commits
        locked.status = ImportBatch.State.DONE
        locked.line_count = report.line_count
        locked.imported_count = inserter.imported
        locked.skipped_count = inserter.skipped
        locked.progress = 100
        locked.finished_at = timezone.now()
        locked.save()
        if upload:
            transaction.on_commit(lambda: file_storage.delete(upload), robust=True)
    report.new_categories = sorted(plan.new)
    return locked, report


def import_file(opener, *, source_name, author, target_status, create_categories, index=True, created_by=None):
    """Import a file the caller reads itself (``manage.py import_dataset``), in one transaction,
    and send ``import.finished`` like an upload's import.  Raises ``ImportRefused``: nothing kept."""
    with transaction.atomic():
        batch = import_start(
            source_name=source_name,
            author=author,
            target_status=target_status,
            create_categories=create_categories,
            line_count=0,
            created_by=created_by,
        )
        batch, report = import_records(opener, batch=batch, index=index)
        import_event(batch_id=batch.pk)
    return batch, report


def import_index_records(batch_id):
    """Store the near-duplicate index (LSH bands) of the records a finished import wrote.

    ``import_records(index=True)`` writes the bands with the rows, in the import's transaction;
    this re-indexes batches imported without (``import_dataset --skip-indexing``) or before
    that.  Safe to run again.  Returns how many records were indexed.
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


def import_start(*, source_name, author, target_status, create_categories, line_count, created_by=None):
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


def import_fail(batch, message):
    ImportBatch.objects.filter(pk=batch.pk).exclude(status=ImportBatch.State.DONE).update(
        status=ImportBatch.State.FAILED,
        error=message,
        finished_at=timezone.now(),
    )


def import_stage(*, created_by, upload, target_status, author_username="", create_categories=False):
    """Store an uploaded file and queue its check (``import_check_run``); nothing is imported.

    Returns the batch, 'checking' until a worker has read every line."""
    check_import_status(target_status)
    author = resolve_import_author(author_username)
    batch = ImportBatch(
        created_by=created_by,
        source_name=(upload.name or "upload.jsonl")[:255],
        author=author,
        target_status=target_status,
        create_categories=create_categories,
        status=ImportBatch.State.CHECKING,
    )
    batch.stored_name = file_storage.save(f"imports/{batch.public_id}/{batch.source_name}", upload)
    batch.save()
    enqueue(CHECK_TASK, batch.pk, on_failure=lambda error: _import_queue_unavailable(batch))
    return batch


def import_check_run(batch_id):
    """The worker's side of an upload's check: 'valid' or 'invalid' with its bad lines.

    Read-only, so a check delivered twice simply runs again.  The file of an invalid batch is deleted."""
    batch = ImportBatch.objects.filter(pk=batch_id, status=ImportBatch.State.CHECKING).first()
    if batch is None:
        return ImportBatch.objects.filter(pk=batch_id).values_list("status", flat=True).first()
    checking = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.State.CHECKING)
    try:
        with import_progress(batch, phase=ImportProgress.Phase.CHECKING):
            report = import_check_file(
                lambda: file_storage.open_file(batch.stored_name),
                source_name=batch.source_name,
                create_categories=batch.create_categories,
            )
    except Exception as exc:
        logger.exception("Check of import %s failed", batch.public_id)
        checking.update(status=ImportBatch.State.FAILED, error=error_text(exc), finished_at=timezone.now())
        return ImportBatch.State.FAILED
    status = ImportBatch.State.VALID if report.ok else ImportBatch.State.INVALID
    checking.update(
        status=status,
        line_count=report.line_count,
        problems=report.problems,
        problem_count=report.problem_count,
        skipped_count=report.duplicate_count,
        new_categories=report.new_categories,
    )
    if not report.ok:
        _remove_upload(batch)
    return status


def _remove_upload(batch):
    """The stored upload is needed only while the batch may still be imported: not once its file was
    refused (a done batch lets it go in its own 'done' commit).  A batch that failed for another reason
    (its worker was lost, the queue was down) keeps it, so that it can be confirmed again."""
    if batch.stored_name:
        file_storage.delete(batch.stored_name)
        ImportBatch.objects.filter(pk=batch.pk).update(stored_name="")
        batch.stored_name = ""


def import_confirm(*, batch):
    """Queue the import of a checked file.  A failed import can be confirmed again, by a person."""
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status not in (ImportBatch.State.VALID, ImportBatch.State.FAILED) or not locked.stored_name:
            raise ValidationError(_("Only a checked file that is not imported yet can be imported."))
        locked.status = ImportBatch.State.QUEUED
        locked.error = ""
        locked.progress = 0
        locked.queued_at = timezone.now()
        locked.save(update_fields=["status", "error", "progress", "queued_at"])
        enqueue(IMPORT_TASK, locked.pk, on_failure=lambda error: _import_queue_unavailable(locked))
    return locked


def _import_queue_unavailable(batch):
    """The broker refused the check or the import: nothing was imported, and the batch can be confirmed again."""
    ImportBatch.objects.filter(pk=batch.pk, status__in=(ImportBatch.State.CHECKING, ImportBatch.State.QUEUED)).update(
        status=ImportBatch.State.FAILED,
        error=_(
            "The task queue is unavailable; nothing was imported. Confirm the import again once the queue is back."
        ),
    )
    batch.refresh_from_db()


def import_run(batch_id):
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
            import_fail(batch, _("The import was interrupted; nothing was imported. Confirm it again to retry."))
        return ImportBatch.objects.filter(pk=batch_id).values_list("status", flat=True).first()
    try:
        with import_progress(batch) as progress:
            import_records(
                lambda: file_storage.open_file(batch.stored_name), batch=batch, progress=progress, index=True
            )
    except ImportRefused as exc:
        import_fail(batch, str(exc) + " " + _("Nothing was imported."))
        _remove_upload(batch)
        return ImportBatch.State.FAILED
    except Exception as exc:
        logger.exception("Import %s failed", batch.public_id)
        import_fail(batch, error_text(exc) + " " + _("Nothing was imported."))
        import_event(batch_id=batch.pk)
        return ImportBatch.State.FAILED
    import_event(batch_id=batch.pk)
    return ImportBatch.State.DONE
