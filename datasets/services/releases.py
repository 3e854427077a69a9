"""Releases: record one, build its bundle in the background, fail the ones whose worker was lost.

Views, the API, management commands and Celery tasks call these.  Callers check that the
user is an admin; the services check state.
"""

import logging
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.tasks import enqueue

from ..export import HASH_LIST_NAME, Exporter, export_snapshot, read_hash_list
from ..models import Release
from ..options import ExportOptions
from ..selectors import previous_release
from ..writers import LocalDirectory, StorageDirectory
from .jobs import Heartbeat, error_text, jobs_fail_stale, release_progress

logger = logging.getLogger(__name__)

BUILD_TASK = "datasets.release_build"
_LABEL = re.compile(r"[a-z0-9][a-z0-9._-]*")


def release_create(*, created_by, options, name="", tag=""):
    """Record a release, numbered one more than the last of its name (see ``Release.save``), and
    queue its build once the transaction commits."""
    jobs_fail_stale()
    name, tag = check_release_labels(name=name, tag=tag)
    for attempt in range(5):
        try:
            with transaction.atomic():
                release = Release.objects.create(
                    name=name,
                    tag=tag,
                    created_by=created_by,
                    filters=options.filters_dict(),
                    formats=list(options.formats),
                    queued_at=timezone.now(),
                )
            break
        except IntegrityError:
            if attempt == 4:  # another release of the same name took each number we tried
                raise
    enqueue(BUILD_TASK, release.pk, on_failure=lambda error: _queue_unavailable(release))
    return release


def check_release_labels(*, name, tag):
    """A release's name (default ``DOLLY_RELEASE_NAME``) and optional tag: lower-case slugs."""
    name = (name or settings.DOLLY_RELEASE_NAME).strip()
    tag = (tag or "").strip()
    errors = {}
    for field_name, value, limit in (("name", name, 60), ("tag", tag, 40)):
        if value and (not _LABEL.fullmatch(value) or len(value) > limit):
            errors[field_name] = [
                _("Use at most %(limit)d lower-case letters, digits, dots, dashes or underscores.") % {"limit": limit}
            ]
    if errors:
        raise ValidationError(errors)
    return name, tag


def _queue_unavailable(release):
    """The broker refused the build: say so on the release instead of leaving it queued forever."""
    Release.objects.filter(pk=release.pk, status=Release.State.QUEUED).update(
        status=Release.State.FAILED,
        finished_at=timezone.now(),
        error=_(
            "The task queue is unavailable, so the release was not built. Nothing was lost: "
            "create the release again once the queue is back."
        ),
    )
    release.refresh_from_db()


def release_retry(*, release):
    """Queue a failed release again (same filters, a fresh build); it keeps its name and version."""
    with transaction.atomic():
        locked = Release.objects.select_for_update().get(pk=release.pk)
        if locked.status != Release.State.FAILED:
            raise ValidationError(_("Only a failed release can be retried."))
        locked.status = Release.State.QUEUED
        locked.error = ""
        locked.progress = 0
        locked.finished_at = None
        locked.heartbeat_at = None
        locked.queued_at = timezone.now()
        locked.save(update_fields=["status", "error", "progress", "finished_at", "heartbeat_at", "queued_at"])
        enqueue(BUILD_TASK, locked.pk, on_failure=lambda error: _queue_unavailable(locked))
    return locked


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
        release.started_at = release.heartbeat_at = timezone.now()
        release.progress = 0
        release.error = ""
        release.files = []
        release.save(update_fields=["status", "attempt", "started_at", "heartbeat_at", "progress", "error", "files"])
    return release


def _fail_release(pk, attempt, message):
    return Release.objects.filter(pk=pk, attempt=attempt, status=Release.State.RUNNING).update(
        status=Release.State.FAILED,
        error=message,
        finished_at=timezone.now(),
        files=[],
    )


def _hash_loader(release):
    def load():
        try:
            with StorageDirectory(default_storage, release.storage_prefix).open(HASH_LIST_NAME) as handle:
                return read_hash_list(handle)
        except FileNotFoundError:
            return None

    return load


def _exporter(release, destination, progress, previous):
    return Exporter(
        ExportOptions.from_dict(release.filters, formats=release.formats),
        destination,
        bundle=True,
        progress=progress,
        title=settings.DOLLY_DATASET_TITLE,
        release_id=str(release.public_id),
        released_at=release.created_at.date().isoformat(),
        previous=(str(previous.public_id), _hash_loader(previous)) if previous else None,
    )


def _publish(exporter, release, attempt, previous):
    """Publish the built files and mark the release done, unless a later attempt took it over."""
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
    return Release.State.DONE


def release_build(release_id):
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
    running = Release.objects.filter(pk=release.pk, attempt=attempt, status=Release.State.RUNNING)
    try:
        destination.clear()
        # The writer is closed before publishing, which locks the release row; publishing writes 100.
        with Heartbeat(running, "heartbeat_at"), release_progress(release) as progress:
            exporter = _exporter(release, destination, progress, previous)
            exporter.prepare()
            with export_snapshot():
                exporter.build()
        status = _publish(exporter, release, attempt, previous)
    except Exception as exc:
        logger.exception("Release %s failed", release.public_id)
        if _fail_release(release.pk, attempt, error_text(exc)):
            destination.clear()
            release_finished(release_id=release.pk)
        return Release.State.FAILED
    if status == Release.State.DONE:
        release_finished(release_id=release.pk)
    return status


def release_finished(*, release_id):
    """What follows a release's end, called explicitly where a build ends: a done release gets its
    archive measured (size and SHA-256, for resumable downloads); then the webhooks are told."""
    from ..archive import measure_archive
    from ..webhooks.events import release_event

    status = Release.objects.filter(pk=release_id).values_list("status", flat=True).first()
    if status == Release.State.DONE:
        try:
            measure_archive(release_id=release_id)
        except Exception:  # the release stays usable: the archive is then sent without a length
            logger.exception("Could not measure the archive of release %s", release_id)
    release_event(release_id=release_id)


def export_to_path(options, out, *, bundle=False, naming=None, progress=None):
    """What ``manage.py export_dataset`` runs: the same pipeline, into a local directory."""
    exporter = Exporter(
        options, LocalDirectory(out), bundle=bundle, progress=progress, **({"naming": naming} if naming else {})
    )
    exporter.prepare()
    with export_snapshot():
        exporter.build()
    return exporter.publish()
