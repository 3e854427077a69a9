"""The one way to send a Celery task from the web app or a service.

``enqueue`` sends the task only once the surrounding transaction has committed (a task for a
transaction that rolled back is never sent, and the worker always finds the rows it is given),
and a broker that cannot be reached does not turn the request into a 500: the failure is
logged, recorded on the returned ``Enqueued``, and handed to ``on_failure`` so the caller can
mark its object ("queue unavailable") in the database, where nothing is lost.

Celery, kombu and the Redis client (about a quarter of a second of imports) are loaded by the
first task sent, not when Django starts: most management commands send none.  The project
shell names its Celery app with ``use_celery_app`` in its ``AppConfig.ready()``; the tasks are
looked up and sent through that app.
"""

import logging
from dataclasses import dataclass

from django.db import transaction

logger = logging.getLogger(__name__)

_app_loader = None


def use_celery_app(loader):
    """Send tasks through the app ``loader()`` returns (called once, at the first task sent)."""
    global _app_loader
    _app_loader = loader


def celery_app():
    """The Celery app tasks are sent with (the project's once ``use_celery_app`` named it)."""
    if _app_loader is not None:
        return _app_loader()
    # Celery at the first task sent, not at start-up (see the module's docstring).
    from celery import current_app

    return current_app._get_current_object()


def broker_errors():
    """The errors of a broker that cannot be reached: kombu's, the Redis client's and the socket's."""
    # kombu and redis at the first task sent, not at start-up (see the module's docstring).
    from kombu.exceptions import OperationalError
    from redis.exceptions import RedisError

    return (OperationalError, RedisError, OSError)


@dataclass
class Enqueued:
    """What became of one ``enqueue``: ``sent`` is None until the transaction commits."""

    task_name: str
    sent: bool | None = None
    task_id: str = ""
    error: str = ""


def registered_task(name):
    """The task registered under ``name``, importing every app's ``tasks`` module the first time."""
    app = celery_app()
    if name not in app.tasks:
        app.loader.import_default_modules()
    return app.tasks[name]


def enqueue(task, *args, on_failure=None, using=None, **kwargs):
    """Send ``task(*args, **kwargs)`` after the current transaction commits (at once outside one).

    ``task`` is a task or the name it is registered under: a service queues the tasks of its
    own app by name, so that the tasks module (which calls the services) is never imported back.

    ``args`` and ``kwargs`` must be JSON: ids, not model instances.  ``on_failure(error)`` is
    called, after the commit, if the broker could not take the task; it runs in autocommit, so
    it may write its own record of the failure.
    """
    celery_app()  # the project's app made current first: a shared task (``task.name``) is looked up in it
    if isinstance(task, str):
        task = registered_task(task)
    errors = broker_errors()
    outcome = Enqueued(task_name=task.name)

    def send():
        try:
            result = task.apply_async(args=args, kwargs=kwargs, retry=False)
        except errors as error:
            outcome.sent, outcome.error = False, str(error) or type(error).__name__
            logger.error("could not enqueue %s%r: %s", task.name, args, outcome.error)
            if on_failure is not None:
                on_failure(error)
            return
        outcome.sent, outcome.task_id = True, result.id or ""

    transaction.on_commit(send, using=using)
    return outcome
