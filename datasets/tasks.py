"""Celery tasks: they take ids, call a service, and return JSON-able values.

Services queue them by the names given here (``datasets.services`` never imports this module).
"""

from celery import shared_task

from . import services
from .webhooks import services as webhook_services


@shared_task(name="datasets.release_build", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def build_release_task(release_id):
    """Safe to deliver twice: a finished release is left alone, an interrupted one is rebuilt."""
    return services.release_build(release_id)


@shared_task(name="datasets.import_batch", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def import_batch_task(batch_id):
    """Safe to deliver twice: an interrupted import is marked failed, never run again on its own."""
    return services.import_run(batch_id)


@shared_task(name="datasets.webhook_deliver", acks_late=True, ignore_result=True, time_limit=60, soft_time_limit=50)
def webhook_deliver_task(delivery_id):
    """Safe to deliver twice: a delivery is attempted only while it is due, and the attempt takes it."""
    return webhook_services.webhook_deliver(delivery_id)


@shared_task(name="datasets.import_check", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def import_check_task(batch_id):
    """Safe to deliver twice: checking a file writes nothing but the batch's report."""
    return services.import_check_run(batch_id)


@shared_task(name="datasets.fail_stale_jobs", ignore_result=True)
def fail_stale_jobs_task():
    """Every minute (Celery beat): builds, checks and imports whose worker was lost are marked failed."""
    return services.jobs_fail_stale()
