"""The one way to send a Celery task from the web app or a service.

``enqueue`` sends the task only once the surrounding transaction has committed (a task for a
transaction that rolled back is never sent, and the worker always finds the rows it is given),
and a broker that cannot be reached does not turn the request into a 500: the failure is
logged, recorded on the returned ``Enqueued``, and handed to ``on_failure`` so the caller can
mark its object ("queue unavailable") in the database, where nothing is lost.
"""

import logging
from dataclasses import dataclass

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

BROKER_ERRORS = (OperationalError, RedisError, OSError)


@dataclass
class Enqueued:
    """What became of one ``enqueue``: ``sent`` is None until the transaction commits."""

    task_name: str
    sent: bool | None = None
    task_id: str = ""
    error: str = ""


def registered_task(name):
    """The task registered under ``name``, importing every app's ``tasks`` module the first time."""
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def enqueue(task, *args, on_failure=None, using=None, **kwargs):
    """Send ``task(*args, **kwargs)`` after the current transaction commits (at once outside one).

    ``task`` is a task or the name it is registered under: a service queues the tasks of its
    own app by name, so that the tasks module (which calls the services) is never imported back.

    ``args`` and ``kwargs`` must be JSON: ids, not model instances.  ``on_failure(error)`` is
    called, after the commit, if the broker could not take the task; it runs in autocommit, so
    it may write its own record of the failure.
    """
    if isinstance(task, str):
        task = registered_task(task)
    outcome = Enqueued(task_name=task.name)

    def send():
        try:
            result = task.apply_async(args=args, kwargs=kwargs, retry=False)
        except BROKER_ERRORS as error:
            outcome.sent, outcome.error = False, str(error) or type(error).__name__
            logger.error("could not enqueue %s%r: %s", task.name, args, outcome.error)
            if on_failure is not None:
                on_failure(error)
            return
        outcome.sent, outcome.task_id = True, result.id or ""

    transaction.on_commit(send, using=using)
    return outcome
