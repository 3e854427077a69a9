"""Celery tasks: they take ids, call a service, and return JSON-able values.

Services queue them by the names given here (``datasets.services`` never imports this module).
"""

from celery import shared_task

from . import services


@shared_task(name="datasets.release_build", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def build_release_task(release_id):
    """Safe to deliver twice: a finished release is left alone, an interrupted one is rebuilt."""
    return services.release_build(release_id)


@shared_task(name="datasets.import_batch", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def import_batch_task(batch_id):
    """Safe to deliver twice: an interrupted import is marked failed, never run again on its own."""
    return services.import_run(batch_id)


@shared_task(name="datasets.index_import", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def index_import_task(batch_id):
    """Safe to deliver twice: indexing an import's records replaces the bands it wrote before."""
    return services.import_index_records(batch_id)
