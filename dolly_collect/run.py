"""``make run``: the web server and a Celery worker together, stopped together.

Usage: ``python -m dolly_collect.run HOST:PORT``.  The worker reads the same broker as the site
(kombu's file-system transport under ``var/celery`` when no ``REDIS_URL`` is set, so nothing else
needs to run) and runs Celery beat too, for the minute sweep of jobs whose worker was lost.
Ctrl+C (or SIGTERM) stops both; if either stops on its own, the other is stopped as well.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def commands(address):
    var_dir = Path(os.environ.get("DOLLY_VAR_DIR", ROOT / "var"))
    var_dir.mkdir(parents=True, exist_ok=True)
    python = sys.executable
    worker = [
        python,
        "-m",
        "celery",
        "-A",
        "dolly_collect",
        "worker",
        "--beat",
        "--schedule",
        str(var_dir / "celerybeat-schedule"),
        "--concurrency",
        os.environ.get("WORKER_CONCURRENCY", "2"),
        "--loglevel",
        os.environ.get("WORKER_LOG_LEVEL", "INFO"),
    ]
    web = [python, "manage.py", "runserver", address]
    return {"worker": worker, "web": web}


def stop(processes):
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 20
    for process in processes.values():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main(argv):
    address = argv[1] if len(argv) > 1 else "127.0.0.1:8000"
    processes = {name: subprocess.Popen(command, cwd=ROOT) for name, command in commands(address).items()}  # noqa: S603
    stopping = []

    def on_signal(signum, frame):
        stopping.append(signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        while not stopping:
            ended = [name for name, process in processes.items() if process.poll() is not None]
            if ended:
                print(f"dolly_collect.run: the {ended[0]} process stopped; stopping the other.", file=sys.stderr)
                break
            time.sleep(0.5)
    finally:
        stop(processes)
    return 0 if stopping else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
