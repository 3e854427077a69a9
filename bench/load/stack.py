"""The site the load tests drive: a seeded scratch database, gunicorn and a Celery worker on 127.0.0.1.

Shared by ``bench/load_test.py`` (people who pause between actions) and ``bench/load_ceiling.py``
(clients that never pause, to find the ceiling).  Also measures the CPU time the site's processes
use: gunicorn and its workers, the Celery worker, and the PostgreSQL backends serving the
scratch database.
"""

import contextlib
import csv
import os
import resource
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psutil
import psycopg2

from bench.common import recreate_database, scratch_database_url

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port(base=None):
    """A free port on 127.0.0.1: the first free one from ``base`` (DOLLY_TEST_PORT_BASE) or any."""
    for port in range(base, base + 50) if base else [0]:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    sys.exit(f"no free port in {base}..{base + 49}")


def run(command, env, timeout):
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)  # noqa: S603
    if result.returncode != 0:
        sys.exit(f"{' '.join(command[:3])} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result.stdout


def check_urls():
    """DATABASE_URL (PostgreSQL) and REDIS_URL from the environment, both on this machine."""
    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres") or not redis_url:
        sys.exit("set DATABASE_URL (PostgreSQL) and REDIS_URL")
    for url in (database_url, redis_url):
        if urlsplit(url).hostname not in ("127.0.0.1", "localhost"):
            sys.exit("the load test only targets this machine (127.0.0.1)")
    return database_url, redis_url


@contextlib.contextmanager
def phase(name):
    """Print how long a set-up step took, in wall time and in its commands' own CPU time."""
    wall, cpu = time.monotonic(), _children_cpu()
    yield
    print(f"{name} in {time.monotonic() - wall:.0f} s ({_children_cpu() - cpu:.0f} s of CPU)", flush=True)


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def prepare(args, **extra_env):
    """A seeded scratch database (DATABASE_URL's name + ``_load``) and the environment of the site on it.

    Redis is used at the database number REDIS_URL names, so parallel runs can keep apart.
    """
    database_url, redis_url = check_urls()
    url, name = scratch_database_url(database_url, "_load")
    recreate_database(urlunsplit(urlsplit(url)._replace(path="/postgres")), name)
    work = Path(tempfile.mkdtemp(prefix="dolly-load-"))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "DEBUG": "false",
        "DOLLY_VAR_DIR": str(work),
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
        "LOAD_USERS_FILE": str(work / "users.json"),
        "LOAD_CONTRIBUTORS": str(args.contributors),
        "LOAD_REVIEWERS": str(args.reviewers),
        "DJANGO_SETTINGS_MODULE": "dolly_collect.settings",
        **extra_env,
    }
    python = sys.executable
    with phase("migrated"):
        run([python, "manage.py", "migrate", "--no-input"], env, 600)
        run([python, "manage.py", "collectstatic", "--no-input"], env, 300)
    with phase("seeded"):
        print(run([python, "manage.py", "shell", "-c", "exec(open('bench/load/seed.py').read())"], env, 1200).strip())
    return env, work, name


class Site:
    """gunicorn (gthread) and one Celery worker on 127.0.0.1, started on enter and stopped on exit."""

    def __init__(self, env, work, workers, threads, port_base=None):
        self.env, self.work, self.workers, self.threads = env, work, workers, threads
        self.port = free_port(port_base)
        self.host = f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        python = sys.executable
        self.log = (self.work / "server.log").open("w")
        gunicorn = [
            python,
            "-m",
            "gunicorn",
            "dolly_collect.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--worker-class",
            "gthread",
            "--timeout",
            "60",
            "--keep-alive",
            "75",
            "--log-level",
            "warning",
        ]
        celery = [
            python,
            "-m",
            "celery",
            "-A",
            "dolly_collect",
            "worker",
            "--concurrency=1",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
        ]
        out = {"cwd": ROOT, "env": self.env, "stdout": self.log, "stderr": subprocess.STDOUT}
        self.gunicorn = subprocess.Popen(gunicorn, **out)  # noqa: S603
        self.worker = subprocess.Popen(celery, **out)  # noqa: S603
        wait_until_serving(self.host + "/accounts/login/")
        return self

    def __exit__(self, *exc):
        for process in (self.gunicorn, self.worker):
            process.terminate()
        for process in (self.gunicorn, self.worker):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        self.log.close()

    def gunicorn_pids(self):
        """The gunicorn master's and its workers' process ids (what py-spy attaches to)."""
        return [self.gunicorn.pid] + [child.pid for child in psutil.Process(self.gunicorn.pid).children()]


def wait_until_serving(url, deadline=60):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - loopback
            return
        except OSError:
            time.sleep(0.3)
    sys.exit("gunicorn did not start")


def tree_cpu_seconds(pid):
    """User + system CPU seconds of a process and its descendants (those alive now)."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def backend_cpu_seconds(database_url):
    """CPU seconds used so far by each PostgreSQL backend connected to the database, by pid."""
    name = urlsplit(database_url).path.lstrip("/")
    with psycopg2.connect(database_url) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [name])
        pids = [pid for (pid,) in cursor.fetchall()]
    conn.close()
    seconds = {}
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        seconds[pid] = times.user + times.system
    return seconds


def locust_command(python, host, users, spawn_rate, seconds, csv_prefix=None):
    """A headless locust run for ``seconds``; with ``csv_prefix``, stats reset after the ramp and are saved."""
    measured = ["--reset-stats"] if csv_prefix else []
    saved = ["--csv", str(csv_prefix)] if csv_prefix else []
    return [
        python,
        "-m",
        "locust",
        "-f",
        "bench/load/locustfile.py",
        "--headless",
        "--only-summary",
        "-u",
        str(users),
        "-r",
        str(spawn_rate),
        "-t",
        f"{seconds}s",
        *measured,
        "--host",
        host,
        *saved,
        "--stop-timeout",
        "10",
        "--exit-code-on-error",
        "0",
    ]


def aggregated(csv_path):
    with open(csv_path) as handle:
        for row in csv.DictReader(handle):
            if row["Name"] == "Aggregated":
                return row
    raise ValueError("no Aggregated row")


def slowest(csv_path, count=3):
    with open(csv_path) as handle:
        rows = [row for row in csv.DictReader(handle) if row["Name"] != "Aggregated"]
    rows.sort(key=lambda row: float(row["95%"] or 0), reverse=True)
    return [(row["Type"], row["Name"], row["95%"]) for row in rows[:count]]


def failures(prefix, count=5):
    path = Path(f"{prefix}_failures.csv")
    return path.read_text().strip().splitlines()[1 : count + 1] if path.exists() else []
