"""Load test: gunicorn + PostgreSQL + Redis + a Celery worker on this machine, driven by locust.

Creates a scratch database, migrates and seeds it (bench/load/seed.py), starts gunicorn and a
Celery worker on 127.0.0.1, runs locust headless at each user count for a fixed time (stats
reset once every user is spawned), and writes the results into BENCHMARKS.md between markers.
Every run is bounded in time; all traffic goes to 127.0.0.1.

    DATABASE_URL=postgres://dolly:dolly@127.0.0.1:5432/dolly REDIS_URL=redis://127.0.0.1:6379/0 \\
        python bench/load_test.py --users 50,200,500 --duration 60 --write BENCHMARKS.md
"""

import argparse
import csv
import datetime
import os
import platform
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import machine, recreate_database, write_section  # noqa: E402

START, END = "<!-- load_test:start -->", "<!-- load_test:end -->"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def scratch_database(url, name):
    parts = urlsplit(url)
    recreate_database(urlunsplit(parts._replace(path="/postgres")), name)
    return urlunsplit(parts._replace(path=f"/{name}"))


def run(command, env, timeout):
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)  # noqa: S603
    if result.returncode != 0:
        sys.exit(f"{' '.join(command[:3])} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result.stdout


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


def wait_until_serving(url, deadline=60):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - loopback
            return
        except OSError:
            time.sleep(0.3)
    sys.exit("gunicorn did not start")


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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", default="50,200,500")
    parser.add_argument("--duration", type=int, default=60, help="Seconds measured at each user count.")
    parser.add_argument("--spawn-rate", type=int, default=50)
    parser.add_argument(
        "--warmup",
        type=int,
        default=30,
        help="Seconds of unmeasured traffic before the first level, so worker start-up is not timed.",
    )
    parser.add_argument("--think", default="5,15", help="Seconds a person waits between actions: min,max.")
    parser.add_argument("--contributors", type=int, default=500)
    parser.add_argument("--reviewers", type=int, default=50)
    parser.add_argument("--gunicorn-workers", type=int, default=5)
    parser.add_argument("--gunicorn-threads", type=int, default=4)
    parser.add_argument("--write", help="Markdown file to write the results into (between markers).")
    parser.add_argument("--notes", default="", help="Text added under the table (bottleneck, changes).")
    args = parser.parse_args()
    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres") or not redis_url:
        sys.exit("set DATABASE_URL (PostgreSQL) and REDIS_URL")
    for url in (database_url, redis_url):
        if urlsplit(url).hostname not in ("127.0.0.1", "localhost"):
            sys.exit("the load test only targets this machine (127.0.0.1)")

    work = Path(tempfile.mkdtemp(prefix="dolly-load-"))
    env = {
        **os.environ,
        "DATABASE_URL": scratch_database(database_url, "dolly_load"),
        "REDIS_URL": redis_url.rsplit("/", 1)[0] + "/3",
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
        "LOAD_THINK_SECONDS": args.think,
        "LOAD_REVIEWERS": str(args.reviewers),
        "DJANGO_SETTINGS_MODULE": "dolly_collect.settings",
    }
    python = sys.executable
    run([python, "manage.py", "migrate", "--no-input"], env, 600)
    run([python, "manage.py", "collectstatic", "--no-input"], env, 300)
    print(run([python, "manage.py", "shell", "-c", "exec(open('bench/load/seed.py').read())"], env, 1200).strip())

    port = free_port()
    host = f"http://127.0.0.1:{port}"
    log = (work / "server.log").open("w")
    gunicorn = subprocess.Popen(  # noqa: S603
        [
            python,
            "-m",
            "gunicorn",
            "dolly_collect.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.gunicorn_workers),
            "--threads",
            str(args.gunicorn_threads),
            "--worker-class",
            "gthread",
            "--timeout",
            "60",
            "--keep-alive",
            "75",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    worker = subprocess.Popen(  # noqa: S603
        [
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
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    results = []
    first_load = os.getloadavg()[0]
    try:
        wait_until_serving(host + "/accounts/login/")
        if args.warmup:
            run(locust_command(python, host, 50, args.spawn_rate, args.warmup), env, timeout=args.warmup + 120)
        for users in [int(u) for u in args.users.split(",")]:
            prefix = work / f"u{users}"
            ramp = users / args.spawn_rate
            load_avg_before = os.getloadavg()[0]
            run(
                locust_command(python, host, users, args.spawn_rate, int(ramp + args.duration), csv_prefix=prefix),
                env,
                timeout=int(ramp + args.duration + 120),
            )
            row = aggregated(f"{prefix}_stats.csv")
            results.append(
                {
                    "users": users,
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "rps": float(row["Requests/s"]),
                    "p50": row["50%"],
                    "p95": row["95%"],
                    "p99": row["99%"],
                    "slowest": slowest(f"{prefix}_stats.csv"),
                    "load": os.getloadavg()[0],
                    "load_before": load_avg_before,
                }
            )
            print(results[-1])
            errors = Path(f"{prefix}_failures.csv").read_text().strip().splitlines()[1:6]
            for line in errors:
                print("  failure:", line)
    finally:
        for process in (gunicorn, worker):
            process.terminate()
        for process in (gunicorn, worker):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()

    command = (
        f"python bench/load_test.py --users {args.users} --duration {args.duration} --think {args.think} "
        f"--warmup {args.warmup} "
        f"--gunicorn-workers {args.gunicorn_workers} --gunicorn-threads {args.gunicorn_threads}"
    )
    lines = [
        START,
        "## Load test: the whole site under concurrent users (`bench/load_test.py`)",
        "",
        f"- 1-minute load average of the machine before the first level: {first_load:.1f} (other work shares "
        "these 2 cores when it is above 0)",
        f"- Date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        f"- Command: `DATABASE_URL=postgres://…@127.0.0.1/… REDIS_URL=redis://127.0.0.1:6379/0 {command}` "
        "(what `make load` runs)",
        f"- Machine: {machine()['summary']}; Python {platform.python_version()}; load generator, gunicorn, "
        "PostgreSQL, Redis and the Celery worker all on this machine",
        f"- Server: gunicorn gthread, {args.gunicorn_workers} workers × {args.gunicorn_threads} threads, "
        "production settings (DEBUG off), PostgreSQL with persistent health-checked connections, "
        "Redis cache and broker, one Celery worker",
        f"- Data: {args.contributors} contributors and {args.reviewers} reviewers, 6,000 demonstrations "
        "(1,500 approved with their points), one running contest",
        f"- Mix (locust, {args.think.replace(',', '–')} s between actions): contributors 90 % "
        "(browse home, own list and categories; "
        "leaderboard pages and API; save a draft; edit and submit it; list drafts over the API), "
        "reviewers 10 % (claim the next item and decide over the API; open the queue page)",
        f"- Each level: ramp at {args.spawn_rate} users/s, statistics reset when all users run, "
        f"then {args.duration} s measured; before the first level, {args.warmup} s of the same mix at 50 "
        "users, not measured (worker processes importing code and filling caches)",
        "",
        "| Users | Requests | Req/s | p50 (ms) | p95 (ms) | p99 (ms) | Errors | Slowest p95 | 1-min load |",
        "|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in results:
        slow = "; ".join(f"{kind} {name} {p95} ms" for kind, name, p95 in r["slowest"][:2])
        lines.append(
            f"| {r['users']} | {r['requests']:,} | {r['rps']:.1f} | {r['p50']} | {r['p95']} | {r['p99']} | "
            f"{r['failures']} | {slow} | {r['load']:.1f} |"
        )
    if args.notes:
        lines += ["", args.notes]
    lines.append(END)
    section = "\n".join(lines) + "\n"
    print(section)
    if args.write:
        write_section(ROOT / args.write, section, START, END)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
