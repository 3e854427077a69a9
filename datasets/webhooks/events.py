"""The events releases and imports send, called explicitly where they finish.

A release event carries the same body as ``GET /api/v1/exports/{id}/`` (with addresses that
start with ``DOLLY_SITE_URL``), so a training job can download it at once.
"""

from ..models import ImportBatch, Release
from .services import webhook_event_send


def release_event(*, release_id):
    """``release.published`` or ``release.failed``, for a release that has just finished."""
    from ..api.serializers import ReleaseSerializer

    release = Release.objects.select_related("created_by", "previous").filter(pk=release_id).first()
    if release is None or not release.is_finished:
        return []
    event = "release.published" if release.status == Release.State.DONE else "release.failed"
    return webhook_event_send(event=event, payload={"release": ReleaseSerializer(release).data})


def import_payload(batch):
    return {
        "id": str(batch.public_id),
        "status": batch.status,
        "source_name": batch.source_name,
        "target_status": batch.target_status,
        "line_count": batch.line_count,
        "imported_count": batch.imported_count,
        "skipped_count": batch.skipped_count,
        "problem_count": batch.problem_count,
        "error": batch.error,
        "finished_at": batch.finished_at.isoformat() if batch.finished_at else None,
    }


def import_event(*, batch_id):
    """``import.finished``, for an import that is done or failed (its ``status`` says which)."""
    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None or batch.status not in (ImportBatch.State.DONE, ImportBatch.State.FAILED):
        return []
    return webhook_event_send(event="import.finished", payload={"import": import_payload(batch)})
