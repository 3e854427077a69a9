"""Celery and the background jobs (releases, imports, webhooks), read from the environment."""

from pathlib import Path

from .environment import REDIS_URL, VAR_DIR, env

# Background jobs always run in a Celery worker, never in a web request.  The broker is Redis with
# REDIS_URL, else kombu's file-system transport (files under CELERY_BROKER_DIR: a worker on the same
# machine needs no other service; `make run` starts one).  Only the test settings run tasks eagerly.
CELERY_BROKER_DIR = Path(env.str("CELERY_BROKER_DIR", default=str(VAR_DIR / "celery")))
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=60 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=55 * 60)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Sending a task gives up within about a second when Redis is unreachable (the caller records it).
# A task whose worker died unacknowledged (tasks are acks_late) is handed out again after
# CELERY_VISIBILITY_TIMEOUT seconds, which must outlast the longest task.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
    "socket_connect_timeout": 2,
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 600),
    "unacked_restore_throttle": 1,
}
if not REDIS_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
    for _folder in ("queue", "control"):
        (CELERY_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
# Long jobs write a heartbeat every DOLLY_JOB_HEARTBEAT_SECONDS; one whose heartbeat is older than
# DOLLY_JOB_STALE_SECONDS lost its worker: it is marked failed, its partial files removed, retryable.
DOLLY_JOB_HEARTBEAT_SECONDS = env.int("DOLLY_JOB_HEARTBEAT_SECONDS", default=10)
DOLLY_JOB_STALE_SECONDS = env.int("DOLLY_JOB_STALE_SECONDS", default=120)
# A build or import still queued after DOLLY_JOB_QUEUED_SECONDS while no job runs lost its queue
# message: it is marked failed with that reason, and can be retried.
DOLLY_JOB_QUEUED_SECONDS = env.int("DOLLY_JOB_QUEUED_SECONDS", default=900)
CELERY_BEAT_SCHEDULE = {
    "fail-stale-dataset-jobs": {"task": "datasets.fail_stale_jobs", "schedule": 60.0},
}
