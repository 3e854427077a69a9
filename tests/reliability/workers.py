"""Real Celery worker processes that a test may kill (PostgreSQL and Redis only)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

from dolly_collect.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]


def database_url():
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """One ``celery worker --pool=solo`` on the test database; ``kill()`` is a SIGKILL, as the OOM killer does."""

    def __init__(self, name, started=None, **env):
        """``started()``, if given, also counts as a sign of life: a solo worker that picked a task
        at once (a redelivered one) answers no ping until the task ends."""
        self.hostname = f"{name}-{os.getpid()}@localhost"
        environment = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "CONN_MAX_AGE": "0",
            **{k: str(v) for k, v in env.items()},
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "dolly_collect",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                self.hostname,
                "--loglevel=WARNING",
            ],
            cwd=ROOT,
            env=environment,
        )
        deadline = time.monotonic() + 60
        while not (started and started()) and not celery_app.control.ping(destination=[self.hostname], timeout=0.5):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the Celery worker did not start")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
