"""The site's ceiling: closed-loop clients that never pause, raised step by step until p95 passes the limit.

The same site and mix as ``bench/load_test.py`` (gunicorn + PostgreSQL + Redis + a Celery worker on
127.0.0.1, bench/load/locustfile.py), but every simulated user sends its next request as soon as the
last one is answered.  At each step it records the throughput and latencies, and the CPU time of
gunicorn, the PostgreSQL backends and the Celery worker per request served (which predicts the
ceiling of a quiet machine even when others share this one), and of the load generator itself.
It stops after the first step whose p95 is over ``--p95-limit`` or that had errors.

The per-person limits (API throttle, submissions per hour) are raised far above what the clients
reach, not turned off, so their checks cost what they cost in production.

    DATABASE_URL=postgres://dolly:dolly@127.0.0.1:5432/dolly REDIS_URL=redis://127.0.0.1:6379/0 \\
        python bench/load_ceiling.py --write BENCHMARKS.md
"""

import argparse
import datetime
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import machine, write_section  # noqa: E402
from bench.load.stack import (  # noqa: E402
    Site,
    aggregated,
    backend_cpu_seconds,
    failures,
    locust_command,
    prepare,
    run,
    slowest,
    tree_cpu_seconds,
)

START, END = "<!-- load_ceiling:start -->", "<!-- load_ceiling:end -->"
UNREACHED = "1000000"


def _busy(times):
    """CPU seconds the whole machine has spent on anything but waiting, since boot."""
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def measure_step(site, env, python, users, args, prefix):
    """One locust run of ``users`` closed-loop clients; CPU sampled over the measured window."""
    spawn = max(users, 1)  # everyone starts within a second
    seconds = 1 + args.duration
    command = locust_command(python, site.host, users, spawn, seconds, csv_prefix=prefix)
    locust = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603
    generator = psutil.Process(locust.pid)
    time.sleep(3)  # started, spawned, statistics reset

    def sample():
        return {
            "at": time.monotonic(),
            "gunicorn": tree_cpu_seconds(site.gunicorn.pid),
            "worker": tree_cpu_seconds(site.worker.pid),
            "postgres": backend_cpu_seconds(env["DATABASE_URL"]),
            "generator": sum(generator.cpu_times()[:2]),
            "machine": psutil.cpu_times(),
        }

    before = sample()
    time.sleep(max(seconds - 3 - 1.5, 1))
    after = sample()
    _, stderr = locust.communicate(timeout=120)
    if locust.returncode != 0:
        sys.exit(f"locust failed:\n{stderr.decode()[-3000:]}")
    row = aggregated(f"{prefix}_stats.csv")
    window = after["at"] - before["at"]
    rps = float(row["Requests/s"])
    served = max(rps * window, 1)
    postgres = sum(after["postgres"][pid] - before["postgres"].get(pid, 0.0) for pid in after["postgres"])
    busy = _busy(after["machine"]) - _busy(before["machine"])
    result = {
        "users": users,
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "rps": rps,
        "p50": float(row["50%"] or 0),
        "p95": float(row["95%"] or 0),
        "p99": float(row["99%"] or 0),
        "gunicorn_cores": (after["gunicorn"] - before["gunicorn"]) / window,
        "gunicorn_ms": 1000 * (after["gunicorn"] - before["gunicorn"]) / served,
        "postgres_ms": 1000 * postgres / served,
        "worker_ms": 1000 * (after["worker"] - before["worker"]) / served,
        "generator_cores": (after["generator"] - before["generator"]) / window,
        "machine_cores": busy / window,
        "load": os.getloadavg()[0],
        "slowest": slowest(f"{prefix}_stats.csv", 2),
    }
    result["site_ms"] = result["gunicorn_ms"] + result["postgres_ms"] + result["worker_ms"]
    return result


def profile(site, seconds, output):
    """py-spy on every gunicorn worker for ``seconds`` (a development aid: py-spy is not a requirement)."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    workers = site.gunicorn_pids()[1:]
    spies = [
        subprocess.Popen(  # noqa: S603
            [spy, "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "50", "--format", "raw"]
            + ["--output", f"{output}.{pid}.txt", "--nonblocking"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for pid in workers
    ]
    return spies


def table(results):
    lines = [
        "| Users | Requests | Req/s | p50 (ms) | p95 (ms) | p99 (ms) | Errors | gunicorn CPU (cores) "
        "| Site CPU per request (ms: gunicorn + PostgreSQL + worker) | Generator CPU (cores) | Machine busy (cores) "
        "| 1-min load |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['users']} | {r['requests']:,} | {r['rps']:.1f} | {r['p50']:.0f} | {r['p95']:.0f} | "
            f"{r['p99']:.0f} | {r['failures']} | {r['gunicorn_cores']:.2f} | {r['site_ms']:.1f} "
            f"({r['gunicorn_ms']:.1f} + {r['postgres_ms']:.1f} + {r['worker_ms']:.1f}) | "
            f"{r['generator_cores']:.2f} | {r['machine_cores']:.2f} | {r['load']:.1f} |"
        )
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", default="2,4,8,16,24,32,48", help="Closed-loop clients at each step.")
    parser.add_argument("--duration", type=int, default=25, help="Seconds measured at each step.")
    parser.add_argument("--warmup", type=int, default=15, help="Seconds of unmeasured traffic first.")
    parser.add_argument("--p95-limit", type=float, default=300.0, help="Stop after the first step over this.")
    parser.add_argument("--contributors", type=int, default=500)
    parser.add_argument("--reviewers", type=int, default=50)
    parser.add_argument("--gunicorn-workers", type=int, default=5)
    parser.add_argument("--gunicorn-threads", type=int, default=4)
    parser.add_argument("--keep-going", action="store_true", help="Run every step, even past the limit.")
    parser.add_argument("--profile", type=int, default=0, help="py-spy the workers at this step (users).")
    parser.add_argument("--write", help="Markdown file to write the results into (between markers).")
    parser.add_argument("--notes", default="", help="Markdown file whose text goes under the table.")
    args = parser.parse_args()
    started = time.monotonic()
    env, work, _ = prepare(
        args,
        LOAD_THINK_SECONDS="0,0",
        API_THROTTLE_USER=f"{UNREACHED}/min",
        DOLLY_MAX_SUBMISSIONS_PER_HOUR=UNREACHED,
    )
    python = sys.executable
    results, first_load = [], os.getloadavg()
    port_base = int(os.environ["DOLLY_TEST_PORT_BASE"]) if os.environ.get("DOLLY_TEST_PORT_BASE") else None
    with Site(env, work, args.gunicorn_workers, args.gunicorn_threads, port_base) as site:
        if args.warmup:
            run(locust_command(python, site.host, 8, 8, args.warmup), env, timeout=args.warmup + 120)
        for users in [int(u) for u in args.users.split(",")]:
            spies = profile(site, args.duration - 4, work / "profile") if users == args.profile else []
            result = measure_step(site, env, python, users, args, work / f"u{users}")
            for spy in spies:
                spy.wait(timeout=60)
            results.append(result)
            print({k: (round(v, 2) if isinstance(v, float) else v) for k, v in result.items()}, flush=True)
            for line in failures(work / f"u{users}"):
                print("  failure:", line)
            if (result["p95"] > args.p95_limit or result["failures"]) and not args.keep_going:
                break
    if spies_written := sorted(work.glob("profile.*.txt")):
        keep = ROOT / "var" / "load-profile"
        keep.mkdir(parents=True, exist_ok=True)
        for path in spies_written:
            shutil.copy(path, keep / path.name)
        print(f"py-spy profiles (collapsed stacks) in {keep}")
    within = [r for r in results if r["p95"] <= args.p95_limit and not r["failures"]]
    best = max(within, key=lambda r: r["rps"]) if within else None
    lines = [
        START,
        "## Load ceiling: clients that never pause (`bench/load_ceiling.py`)",
        "",
        f"- Date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; load average before the run "
        f"{first_load[0]:.1f} / {first_load[1]:.1f} / {first_load[2]:.1f} (1/5/15 min; above 0, other work "
        "shares these cores)",
        f"- Machine: {machine(env['DATABASE_URL'])['summary']}; Python {platform.python_version()}; the load "
        "generator (locust, one process, FastHttpUser), gunicorn, PostgreSQL, Redis and the Celery worker all on it",
        "- Command: `DATABASE_URL=postgres://…@127.0.0.1/… REDIS_URL=redis://127.0.0.1:6379/… make load-ceiling` "
        f"(`python bench/load_ceiling.py --users {args.users} --duration {args.duration} --warmup {args.warmup} "
        f"--p95-limit {args.p95_limit:g} --gunicorn-workers {args.gunicorn_workers} "
        f"--gunicorn-threads {args.gunicorn_threads}`), {time.monotonic() - started:.0f} s in all",
        f"- Server: gunicorn gthread, {args.gunicorn_workers} workers × {args.gunicorn_threads} threads, "
        "production settings (DEBUG off), one Celery worker; "
        f"data: {args.contributors} contributors, {args.reviewers} reviewers, 6,000 demonstrations",
        "- Mix: the load test's (bench/load/locustfile.py) with no pause between actions; API throttle and "
        "submissions-per-hour limits raised out of reach (still checked)",
        f"- Each step: every client started within a second, statistics reset, {args.duration} s measured; "
        "CPU columns over the same window: gunicorn master and workers, the PostgreSQL backends of the "
        "site's database, the Celery worker, per request served; generator = the locust process",
        "",
        f"**Ceiling: {best['rps']:.0f} requests/s** at {best['users']} clients (p95 {best['p95']:.0f} ms, 0 errors), "
        f"{best['site_ms']:.1f} ms of site CPU per request"
        if best
        else f"**No step met p95 ≤ {args.p95_limit:g} ms with 0 errors.**",
        "",
        *table(results),
        "",
        "Slowest p95 at the last step: "
        + "; ".join(f"{kind} {name} {p95} ms" for kind, name, p95 in results[-1]["slowest"]),
    ]
    if args.notes:
        lines += ["", Path(args.notes).read_text().strip()]
    lines.append(END)
    section = "\n".join(lines) + "\n"
    print(section)
    if args.write:
        write_section(ROOT / args.write, section, START, END)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
