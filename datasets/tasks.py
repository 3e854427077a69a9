"""Celery tasks: they take ids, call a service, and return JSON-able values."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def build_release_task(release_id):
    """Safe to deliver twice: a finished release is left alone, an interrupted one is rebuilt."""
    return services.build_release(release_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def import_batch_task(batch_id):
    """Safe to deliver twice: an interrupted import is marked failed, never run again on its own."""
    return services.run_import_batch(batch_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def index_import_task(batch_id):
    """Safe to deliver twice: indexing an import's records replaces the bands it wrote before."""
    return services.index_imported_records(batch_id)
