"""Load test: gunicorn + PostgreSQL + Redis + a Celery worker on this machine, driven by locust.

Creates a scratch database, migrates and seeds it (bench/load/seed.py), starts gunicorn and a
Celery worker on 127.0.0.1, runs locust headless at each user count for a fixed time (stats
reset once every user is spawned), and writes the results into BENCHMARKS.md between markers.
Every run is bounded in time; all traffic goes to 127.0.0.1.

    DATABASE_URL=postgres://dolly:dolly@127.0.0.1:5432/dolly REDIS_URL=redis://127.0.0.1:6379/0 \\
        python bench/load_test.py --users 50,200,500 --duration 60 --write BENCHMARKS.md
"""

import argparse
import datetime
import os
import platform
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import machine, write_section  # noqa: E402
from bench.load.stack import Site, aggregated, failures, locust_command, prepare, run, slowest  # noqa: E402

START, END = "<!-- load_test:start -->", "<!-- load_test:end -->"


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
    env, work, _ = prepare(args, LOAD_THINK_SECONDS=args.think)
    python = sys.executable
    results = []
    first_load = os.getloadavg()[0]
    port_base = int(os.environ["DOLLY_TEST_PORT_BASE"]) if os.environ.get("DOLLY_TEST_PORT_BASE") else None
    with Site(env, work, args.gunicorn_workers, args.gunicorn_threads, port_base) as site:
        host = site.host
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
            for line in failures(prefix):
                print("  failure:", line)

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
