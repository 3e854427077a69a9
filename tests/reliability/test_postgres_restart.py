"""PostgreSQL restarts while gunicorn is serving: requests fail cleanly (503) and the site recovers by itself.

This restarts the local cluster, so it runs only where the environment says the test may
control the server (``DOLLY_TEST_CONTROLS_POSTGRES=1``, set by ``.ci/run``).  All traffic goes
to 127.0.0.1, from a bounded number of threads for a bounded time.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection, connections
from rest_framework.authtoken.models import Token

from annotations.models import Demonstration
from tests.factories import UserFactory

from .workers import database_url

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql"
    or os.environ.get("DOLLY_TEST_CONTROLS_POSTGRES") != "1"
    or not shutil.which("pg_ctlcluster"),
    reason="restarts PostgreSQL: needs PostgreSQL, pg_ctlcluster and DOLLY_TEST_CONTROLS_POSTGRES=1",
)
THREADS = 4
REQUEST_TIMEOUT = 15


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _cluster():
    line = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True).stdout.split("\n")[0]
    version, name = line.split()[:2]
    return version, name


@pytest.fixture
def gunicorn(transactional_db, tmp_path):
    port = _free_port()
    log = (tmp_path / "gunicorn.log").open("w")
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "CONN_MAX_AGE": "60",
        "ALLOWED_HOSTS": "127.0.0.1",
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "dolly_collect.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "2",
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/accounts/login/", timeout=2)  # noqa: S310 - loopback only
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)
    yield base, process
    process.terminate()
    process.wait(timeout=30)
    log.close()


def _request(base, token, n):
    body = json.dumps(
        {"category": "open_qa", "instruction": f"Question {n} asked during a restart?", "response": "An answer."}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - loopback only
        base + "/api/v1/demonstrations/",
        data=body if n % 2 else None,
        headers={
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": f"restart-{n}",
        },
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:  # noqa: S310
            return started, time.monotonic(), response.status, n
    except urllib.error.HTTPError as error:
        return started, time.monotonic(), error.code, n


def _others_using_the_cluster():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname <> %s",
            [connection.settings_dict["NAME"]],
        )
        return cursor.fetchone()[0]


def test_requests_fail_cleanly_during_a_restart_and_recover_without_restarting_the_app(gunicorn):
    if others := _others_using_the_cluster():
        pytest.skip(f"{others} connections to other databases: not restarting a cluster someone else is using")
    base, process = gunicorn
    user = UserFactory(username="steady")
    token = Token.objects.create(user=user).key
    results, stop, counter, lock = [], threading.Event(), iter(range(100_000)), threading.Lock()

    def load():
        while not stop.is_set():
            with lock:
                n = next(counter)
            results.append(_request(base, token, n))

    threads = [threading.Thread(target=load) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    time.sleep(2)
    version, name = _cluster()
    restart_started = time.monotonic()
    subprocess.run(["pg_ctlcluster", version, name, "restart"], check=True, timeout=120)
    restart_done = time.monotonic()
    time.sleep(4)
    stop.set()
    for thread in threads:
        thread.join(timeout=REQUEST_TIMEOUT + 5)
    connections.close_all()

    statuses = [status for _, _, status, _ in results]
    print(
        f"\n{len(results)} requests, restart took {restart_done - restart_started:.1f}s, "
        f"statuses {dict(sorted(Counter(statuses).items()))}, "
        f"slowest {max(f - s for s, f, _, _ in results):.2f}s"
    )
    assert process.poll() is None, "gunicorn died"
    assert len(results) > 50
    assert set(statuses) <= {200, 201, 503}, sorted(set(statuses))
    before = [status for started, _, status, _ in results if started < restart_started - 0.5]
    after = [status for started, _, status, _ in results if started > restart_done + 1.5]
    assert before and set(before) <= {200, 201}
    assert after and set(after) <= {200, 201}, after
    assert max(finished - started for started, finished, _, _ in results) < REQUEST_TIMEOUT
    created = {n for _, _, status, n in results if status == 201}
    stored = set(Demonstration.objects.filter(author=user).values_list("idempotency_key", flat=True))
    assert {f"restart-{n}" for n in created} <= stored
