"""Real gunicorn web nodes for the tests: the production settings (DEBUG off) on a port of this
checkout's range, with the environment the test gives (database, Redis, bucket)."""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.s3 import stop_process

ROOT = Path(__file__).resolve().parents[2]


class WebNode:
    def __init__(self, port, *, var_dir, **env):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        environment = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("AWS_", "DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DOLLY_"))
        }
        environment.update(
            {
                "DJANGO_SETTINGS_MODULE": "dolly_collect.settings",
                "SECRET_KEY": "insecure-key-for-the-test-nodes-only",
                "DEBUG": "false",
                "ALLOWED_HOSTS": "127.0.0.1",
                "SECURE_SSL_REDIRECT": "false",
                "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
                "DOLLY_VAR_DIR": str(var_dir),
                "MEDIA_ROOT": str(Path(var_dir) / "media"),
                "CONN_MAX_AGE": "0",
                "LOG_LEVEL": "WARNING",
                **{key: str(value) for key, value in env.items()},
            }
        )
        self.log = Path(var_dir) / f"gunicorn-{port}.log"
        Path(var_dir).mkdir(parents=True, exist_ok=True)
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "dolly_collect.wsgi",
                    f"--bind=127.0.0.1:{port}",
                    "--workers=1",
                    "--threads=4",
                    "--worker-class=gthread",
                    "--graceful-timeout=5",
                    "--timeout=60",
                ],
                cwd=ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                if self.get("/healthz")[0] == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"gunicorn on port {port} did not start: {self.log.read_text()[-3000:]}")
            time.sleep(0.2)

    def get(self, path, *, headers=None, follow=True):
        """``(status, headers, body)`` of a GET; redirects are followed unless ``follow`` is off."""
        request = urllib.request.Request(self.url + path, headers=headers or {})
        opener = urllib.request.build_opener() if follow else urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=30) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def json(self, path, **kwargs):
        status, _headers, body = self.get(path, **kwargs)
        return status, json.loads(body)

    def post_json(self, path, payload, *, headers=None):
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", **(headers or {})},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the test's own node
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def stop(self):
        stop_process(self.process, grace=10)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
