"""Benchmark of dataset export and import on PostgreSQL.

Creates a scratch database next to the one in DATABASE_URL (``<name>_export_bench``, dropped and
re-created), migrates it, fills it with generated dolly-like approved records (about 900
characters each) through COPY, and measures, each in a fresh child process:

- ``export``: the export pipeline (``datasets.services.export_to_path``, plain dolly JSONL),
  wall time and the child's peak RSS (``getrusage``), at each size;
- ``copy``: PostgreSQL producing the same records itself with
  ``COPY (SELECT json_build_object(...) ORDER BY created_at, id) TO STDOUT``, and the ratio;
- ``dedupe``: the same export with ``dedupe`` (exact and near duplicates), interleaved with the plain
  one, and the ratio of the medians;
- ``import``: ``manage.py import_dataset FILE`` of generated files (its records indexed for the
  duplicate checks in its transaction, the default), on PostgreSQL and on SQLite (up to 100,000
  records): the whole process, start-up included, its wall and CPU time and peak RSS; the floors
  measured in the same run are Django's start-up alone and plain Python parsing the file
  (``json.loads`` per line) and writing it (``json.dumps`` per record).

Each measurement is repeated ``--repeat`` times, interleaved, and the median is shown.

Usage: DATABASE_URL=postgres://... python bench/bench_export.py [--sizes 100000,1000000]
       [--import-sizes 15000,1000000] [--repeat 3] [--write BENCHMARKS.md]
Environment: BENCH_SIZES and BENCH_IMPORT_SIZES give the default sizes.  Nothing is
downloaded: all text is generated here from a fixed seed.
"""

import argparse
import datetime
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import closing
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    CONTEXT_CATEGORIES,
    copy_rows,
    drop_database,
    machine,
    recreate_database,
    scratch_database_url,
    write_section,
)

MARK_START = "<!-- bench_export:start -->"
MARK_END = "<!-- bench_export:end -->"
OTHER_CATEGORIES = ("open_qa", "general_qa", "brainstorming", "classification", "creative_writing")
WORDS = (
    "the",
    "river",
    "valley",
    "city",
    "museum",
    "engineer",
    "library",
    "bridge",
    "history",
    "council",
    "market",
    "season",
    "theory",
    "protein",
    "language",
    "orbit",
    "garden",
    "ferry",
    "harbour",
    "glacier",
    "festival",
    "café",
    "naïve",
    "façade",
    "résumé",
    "coöperate",
    "Zürich",
    "São",
    "algorithm",
    "network",
    "budget",
    "village",
    "ancient",
    "modern",
    "quickly",
    "carefully",
    "because",
    "although",
    "however",
    "which",
    "temperature",
    "population",
    "century",
    "island",
    "mountain",
    "railway",
    "painter",
    "novel",
    "treaty",
    "election",
    "harvest",
)


def sentence_pool(rng, size=4000):
    pool = []
    for _ in range(size):
        words = rng.choices(WORDS, k=rng.randint(8, 18))
        text = " ".join(words).capitalize()
        if rng.random() < 0.1:
            text += " — “quoted”"
        pool.append(text + ".")
    return pool


def paragraph(rng, pool, chars):
    parts, length = [], 0
    while length < chars:
        piece = rng.choice(pool)
        parts.append(piece)
        length += len(piece) + 1
    return " ".join(parts)[:chars]


def generate(n, seed=1):
    """Yield (category_key, instruction, context, response) for n records, ~900 characters each."""
    rng = random.Random(seed)
    pool = sentence_pool(rng)
    for i in range(n):
        if i % 8 < 3:
            key = CONTEXT_CATEGORIES[i % 3]
            instruction = f"[{i}] " + paragraph(rng, pool, 90)
            context = paragraph(rng, pool, 480)
            response = paragraph(rng, pool, 330)
        else:
            key = OTHER_CATEGORIES[i % 5]
            instruction = f"[{i}] " + paragraph(rng, pool, 110)
            context = ""
            response = paragraph(rng, pool, 380) + "\n\n" + paragraph(rng, pool, 400)
        yield key, instruction, context, response


def scratch_url(base_url):
    parsed = urlparse(base_url)
    if parsed.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit("bench: DATABASE_URL must point at PostgreSQL.")
    url, name = scratch_database_url(base_url, "_export_bench")
    return url, name, urlunparse(parsed._replace(path="/postgres"))


def child_env(db_url):
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db_url,
        SECRET_KEY=env.get("SECRET_KEY", "bench-secret-key"),
        REDIS_URL="",
        DJANGO_SETTINGS_MODULE="dolly_collect.settings",
        LOG_LEVEL="WARNING",
    )
    return env


def run_child(args, env, workdir):
    """Run a child process to completion; return (wall seconds, its rusage, stdout)."""
    with open(Path(workdir) / "child.out", "w+") as out, open(Path(workdir) / "child.err", "w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(args, env=env, cwd=ROOT, stdout=out, stderr=err)  # noqa: S603 - our own argv
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode:
        sys.exit(f"bench: {' '.join(map(str, args))} failed:\n{stdout[-2000:]}\n{stderr[-3000:]}")
    return elapsed, usage, stdout


def insert_records(db_url, start, n, author_id, categories):
    """COPY n generated approved records (numbered from start) into the demonstration table."""
    conn = psycopg2.connect(db_url)
    now = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    columns = [
        "public_id",
        "author_id",
        "category_id",
        "instruction",
        "context",
        "source_url",
        "response",
        "status",
        "origin",
        "version",
        "idempotency_key",
        "idempotency_fingerprint",
        "created_at",
        "updated_at",
        "submitted_at",
        "review_round",
        "instruction_hash",
        "context_hash",
    ]
    with conn.cursor() as cursor:
        cursor.execute("""SELECT column_name FROM information_schema.columns
                          WHERE table_name = 'annotations_demonstration' AND is_nullable = 'NO'
                          AND column_default IS NULL""")
        missing = {row[0] for row in cursor.fetchall()} - set(columns) - {"id"}
        if missing:
            sys.exit(f"bench: the demonstration table has new required columns: {sorted(missing)}")
    generated = generate(start + n)
    for _ in range(start):
        next(generated)

    def records():
        for offset, (key, instruction, context, response) in enumerate(generated):
            moment = (now + datetime.timedelta(seconds=start + offset)).isoformat()
            yield (
                str(uuid.uuid4()),
                author_id,
                categories[key],
                instruction,
                context,
                "",
                response,
                "approved",
                "web",
                1,
                "",
                "",
                moment,
                moment,
                moment,
                1,
                "",
                "",
            )

    with conn, conn.cursor() as cursor:
        copy_rows(cursor, "annotations_demonstration", columns, records())
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE annotations_demonstration")
    conn.close()


EXPORT_CHILD = """
import json, sys, time
import django
django.setup()
from datasets.options import ExportOptions
from datasets.services import export_to_path

def status_mb(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024

before = status_mb("VmRSS")
started = time.perf_counter()
result = export_to_path(ExportOptions(dedupe=sys.argv[2] == "dedupe"), sys.argv[1])
elapsed = time.perf_counter() - started
peak = status_mb("VmHWM")
print(json.dumps({"seconds": elapsed, "records": result.record_count, "bytes": result.files[0]["size"],
                  "rss_before_mb": before, "peak_rss_mb": peak}))
"""

COPY_SQL = """COPY (
  SELECT json_build_object('instruction', d.instruction, 'context', d.context,
                           'response', d.response, 'category', c.key)
  FROM annotations_demonstration d JOIN annotations_category c ON c.id = d.category_id
  WHERE d.status = 'approved' ORDER BY d.created_at, d.id
) TO STDOUT"""


class Sink:
    def __init__(self):
        self.size = 0

    def write(self, data):
        self.size += len(data)


STARTUP_CHILD = "import django; django.setup()"
# A child's ``ru_maxrss`` starts from its parent's high-water mark at the fork (Linux copies it
# with the address space and keeps it across exec), so a bench that once held a large file in
# memory would be charged to every child.  Each child reports its own peak instead: ``VmHWM`` of
# the process after exec, read as it exits.
PEAK_REPORTER = (
    "import atexit, runpy, sys\n"
    "def _peak():\n"
    "    with open('/proc/self/status') as status:\n"
    "        peak = next(line.split()[1] for line in status if line.startswith('VmHWM'))\n"
    "    sys.stderr.write(f'\\nDOLLY_BENCH_PEAK_KB {peak}\\n')\n"
    "atexit.register(_peak)\n"
)
MANAGE_CHILD = (
    PEAK_REPORTER + "sys.argv = ['manage.py', *sys.argv[1:]]\nrunpy.run_path('manage.py', run_name='__main__')\n"
)


def time_copy(db_url):
    conn = psycopg2.connect(db_url)
    sink = Sink()
    started = time.perf_counter()
    with conn.cursor() as cursor:
        cursor.copy_expert(COPY_SQL, sink, size=1 << 20)
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed, sink.size


def export_once(env, workdir, kind):
    out_dir = Path(workdir) / "export"
    out_dir.mkdir(exist_ok=True)
    _, usage, out = run_child([sys.executable, "-c", EXPORT_CHILD, str(out_dir), kind], env, workdir)
    (out_dir / "data.jsonl").unlink()
    return {**json.loads(out.strip().splitlines()[-1]), "cpu": usage.ru_utime + usage.ru_stime}


def median_row(runs):
    """The run with the median time, with every run's time listed."""
    ordered = sorted(runs, key=lambda run: run["seconds"])
    return {**ordered[len(ordered) // 2], "runs": [round(run["seconds"], 2) for run in runs]}


def bench_export(db_url, env, workdir, repeat):
    """Plain export, COPY and dedupe export, interleaved ``repeat`` times; medians."""
    subprocess.run(  # the bands a dedupe export reads (records were written by COPY, without them)
        [sys.executable, "manage.py", "refresh_instruction_bands", "--missing"], env=env, cwd=ROOT, check=True
    )
    plain, dedupe, copies = [], [], []
    for _ in range(repeat):
        plain.append(export_once(env, workdir, "plain"))
        copies.append(time_copy(db_url)[0])
        dedupe.append(export_once(env, workdir, "dedupe"))
    result = median_row(plain)
    copy_seconds = statistics.median(copies)
    result.update(copy_seconds=copy_seconds, ratio=result["seconds"] / copy_seconds, dedupe=median_row(dedupe))
    result["dedupe_ratio"] = result["dedupe"]["seconds"] / result["seconds"]
    return result


def write_import_file(path, n, seed):
    with open(path, "w", encoding="ascii") as handle:
        for key, instruction, context, response in generate(n, seed=seed):
            handle.write(
                json.dumps({"instruction": instruction, "context": context, "response": response, "category": key})
                + "\n"
            )


def floor(path):
    """Plain Python on the same file: parse every line, then write every record back (seconds each)."""
    started = time.perf_counter()
    with open(path, encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    parsed = time.perf_counter() - started
    started = time.perf_counter()
    with open(str(path) + ".out", "w", encoding="ascii") as handle:
        for record in records:
            handle.write(json.dumps(record) + "\n")
    written = time.perf_counter() - started
    os.unlink(str(path) + ".out")
    return parsed, written


def empty_import_database(db_url, sqlite_template, sqlite_path):
    """Nothing imported yet: the PostgreSQL tables emptied, or the migrated SQLite file copied afresh."""
    if sqlite_template:
        shutil.copyfile(sqlite_template, sqlite_path)
        return
    conn = psycopg2.connect(db_url)
    with conn, conn.cursor() as cursor:
        # The bands have no foreign key to cascade along: they are named too.
        cursor.execute("TRUNCATE annotations_demonstration, annotations_instructionband, datasets_importbatch CASCADE")
    conn.close()


def stored_bands(db_url, sqlite_path):
    """How many LSH bands the import left in the database (counted after its process ended)."""
    if sqlite_path:
        with closing(sqlite3.connect(sqlite_path)) as conn:
            return conn.execute("SELECT COUNT(*) FROM annotations_instructionband").fetchone()[0]
    with closing(psycopg2.connect(db_url)) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM annotations_instructionband")
        return cursor.fetchone()[0]


def measured(wall, usage, workdir):
    """Wall time, CPU time (user + system) and peak RSS (the child's own ``VmHWM``, MB) of a finished child."""
    reported = (Path(workdir) / "child.err").read_text().rsplit("DOLLY_BENCH_PEAK_KB ", 1)
    if len(reported) != 2:
        sys.exit("bench: the child did not report its peak memory")
    return {"whole": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_rss_mb": int(reported[1].split()[0]) / 1024}


def import_once(env, workdir, path):
    """``manage.py import_dataset FILE`` as an operator runs it: the whole process, start-up included."""
    wall, usage, out = run_child([sys.executable, "-c", MANAGE_CHILD, "import_dataset", str(path)], env, workdir)
    if "Imported" not in out:
        sys.exit(f"bench: import failed:\n{out}")
    return measured(wall, usage, workdir)


def startup_once(env, workdir):
    """The start-up floor: a process that only sets Django up with the same settings, and exits."""
    return measured(*run_child([sys.executable, "-c", PEAK_REPORTER + STARTUP_CHILD], env, workdir)[:2], workdir)


def median_of(runs, key):
    return statistics.median(run[key] for run in runs)


def bench_import(db_url, env, workdir, n, seed, repeat, sqlite_env=None):
    """The import on PostgreSQL (and with ``sqlite_env`` on SQLite), interleaved with the floors:
    plain Python parsing and writing the file, and Django's start-up alone."""
    path = Path(workdir) / f"import-{n}.jsonl"
    write_import_file(path, n, seed)
    databases = {"postgresql": (env, None, None)}
    if sqlite_env is not None:
        databases["sqlite"] = (sqlite_env, Path(workdir) / "template.sqlite3", Path(workdir) / "import.sqlite3")
        shutil.copyfile(databases["sqlite"][2], databases["sqlite"][1])
    runs = {name: [] for name in databases}
    floors, startups = [], {name: [] for name in databases}
    for _ in range(repeat):
        floors.append(floor(path))
        for name, (child, template, target) in databases.items():
            startups[name].append(startup_once(child, workdir))
            empty_import_database(db_url, template, target)
            runs[name].append({**import_once(child, workdir, path), "bands": stored_bands(db_url, target)})
    parsed = statistics.median(parse for parse, _ in floors)
    written = statistics.median(write for _, write in floors)
    rows = []
    for name, measured_runs in runs.items():
        whole = sorted(measured_runs, key=lambda run: run["whole"])[len(measured_runs) // 2]
        startup = {key: median_of(startups[name], key) for key in ("whole", "cpu")}
        rows.append(
            {
                "database": name,
                "records": n,
                "bytes": path.stat().st_size,
                **whole,
                "runs": [round(run["whole"], 2) for run in measured_runs],
                "cpu_runs": [round(run["cpu"], 2) for run in measured_runs],
                "startup": startup,
                "parse": parsed,
                "write": written,
                "ratio": whole["whole"] / (startup["whole"] + parsed + written),
            }
        )
    path.unlink()
    return rows


def render(results, info, command):
    lines = [
        MARK_START,
        "## Dataset export and import (`bench/bench_export.py`)",
        "",
        f"- Date: {datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- Command: `{command}`",
        f"- Machine: `{info['uname']}`; nproc {info['nproc']}; {info['cpu']}; {info['memory']} RAM",
        f"- Python {info['python']}, PostgreSQL {info['postgresql']} on the same machine",
        f"- Load average (1 min) before / after the run: {info['load_before']:.1f} / {os.getloadavg()[0]:.1f} "
        "(other work on the machine competes for the same cores)",
        "- Data: generated dolly-like approved records, about 900 characters each (3 in 8 with a reference "
        "text), some non-ASCII; export is plain dolly JSONL with the default options; imports go into a freshly "
        "migrated, empty database.",
        "- Each measurement runs in a fresh child process. Exports: times exclude its start-up; peak RSS is its "
        "`VmHWM` (including Python, Django, pandas and pyarrow; the RSS before the export started is shown "
        "too). Imports: the whole process, start-up included (below).",
        "",
        "### Export to JSONL, plain and with `dedupe`",
        "",
        "Medians of interleaved runs (each run's time in brackets). CPU time is the child's user + system "
        "time, start-up included (the database server's share is not in it).",
        "",
        "| Records | Export (s) | Records/s | File (MB) | Peak RSS (MB) "
        "| PostgreSQL `COPY ... json_build_object` (s) | Ratio export / COPY | Export with dedupe (s) "
        "| Ratio dedupe / plain | CPU time plain / dedupe (s) | Dedupe peak RSS (MB) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results["export"]:
        dedupe = row["dedupe"]
        lines.append(
            f"| {row['records']:,} | {row['seconds']:.1f} {row['runs']} | {row['records'] / row['seconds']:,.0f} "
            f"| {row['bytes'] / 1e6:,.0f} | {row['peak_rss_mb']:.0f} "
            f"| {row['copy_seconds']:.1f} | {row['ratio']:.2f}× | {dedupe['seconds']:.1f} {dedupe['runs']} "
            f"({dedupe['records']:,} kept) | {row['dedupe_ratio']:.2f}× | {row['cpu']:.1f} / {dedupe['cpu']:.1f} "
            f"| {dedupe['peak_rss_mb']:.0f} |"
        )
    lines += [
        "",
        "### Import (`manage.py import_dataset`, one transaction, indexing included)",
        "",
        "The records are written with their LSH bands in the import's transaction (the default). "
        "*Whole* is `manage.py import_dataset FILE` run as a child process, from start to exit, start-up "
        "included (median run, every run in brackets); *CPU* is that child's user + system time (on a loaded "
        "machine wall time includes waiting for a core, so CPU time is the fairer figure); peak RSS is its "
        "`ru_maxrss`. Two floors are measured in the same run: Django's start-up alone (`python -c 'import "
        "django; django.setup()'` with the same settings, wall / CPU) and plain Python on the same file "
        "(`json.loads` of every line, then `json.dumps` of every record to a file). The ratio is *whole* over "
        "start-up + parse + write.",
        "",
        "| Database | Records | File (MB) | Whole process (s) | Its CPU (s) | Bands stored "
        "| Floor: start-up wall / CPU (s) | Floor: parse + write (s) | Ratio whole / floors | Peak RSS (MB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results["import"]:
        startup = row["startup"]
        lines.append(
            f"| {row['database']} | {row['records']:,} | {row['bytes'] / 1e6:,.0f} | {row['whole']:.2f} {row['runs']} "
            f"| {row['cpu']:.2f} {row['cpu_runs']} | {row['bands']:,} | {startup['whole']:.2f} / {startup['cpu']:.2f} "
            f"| {row['parse']:.2f} + {row['write']:.2f} | {row['ratio']:.1f}× | {row['peak_rss_mb']:.0f} |"
        )
    lines += [
        "",
        "Targets: export of 1,000,000 ≤ 20 s, ratio to COPY ≤ 2×, dedupe ≤ 2× the plain export; import of "
        "15,000 with indexing ≤ 1.5 s in all, start-up included; 1,000,000 on PostgreSQL ≤ 120 s; memory flat.",
        MARK_END,
    ]
    return "\n".join(lines) + "\n"


def sizes(value):
    return [int(v) for v in value.split(",") if v.strip()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=sizes, default=sizes(os.environ.get("BENCH_SIZES", "100000,1000000")))
    parser.add_argument(
        "--import-sizes", type=sizes, default=sizes(os.environ.get("BENCH_IMPORT_SIZES", "15000,1000000"))
    )
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT", "3")))
    parser.add_argument("--no-sqlite", action="store_true", help="Measure the import on PostgreSQL only.")
    parser.add_argument("--write", help="Update this Markdown file's export benchmark section.")
    args = parser.parse_args()
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url:
        sys.exit("bench: set DATABASE_URL to a PostgreSQL server (the benchmark uses <name>_bench on it).")
    db_url, name, admin_url = scratch_url(base_url)
    env = child_env(db_url)
    info = machine()
    results = {"export": [], "import": []}
    with tempfile.TemporaryDirectory(prefix="dolly-bench-") as workdir:
        recreate_database(admin_url, name)
        subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v0"], env=env, cwd=ROOT, check=True)
        conn = psycopg2.connect(db_url)
        with conn, conn.cursor() as cursor:
            cursor.execute("""INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email,
                              is_staff, is_active, date_joined) VALUES ('!', false, 'bench', '', '', '', false,
                              true, now()) RETURNING id""")
            author_id = cursor.fetchone()[0]
            cursor.execute("SELECT key, id FROM annotations_category")
            categories = dict(cursor.fetchall())
        conn.close()
        have = 0
        for size in sorted(args.sizes):
            started = time.perf_counter()
            insert_records(db_url, have, size - have, author_id, categories)
            print(f"generated {size - have:,} records in {time.perf_counter() - started:.0f} s", flush=True)
            have = size
            row = bench_export(db_url, env, workdir, args.repeat)
            results["export"].append(row)
            print(f"export {size:,}: {row}", flush=True)
        recreate_database(admin_url, name)
        subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v0"], env=env, cwd=ROOT, check=True)
        sqlite_env = None
        if not args.no_sqlite:
            sqlite_env = child_env(f"sqlite:///{Path(workdir) / 'import.sqlite3'}")
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "--no-input", "-v0"], env=sqlite_env, cwd=ROOT, check=True
            )
        for seed, size in enumerate(sorted(args.import_sizes), start=10):
            rows = bench_import(db_url, env, workdir, size, seed, args.repeat, sqlite_env if size <= 100_000 else None)
            results["import"].extend(rows)
            print(f"import {size:,}: {rows}", flush=True)
        drop_database(admin_url, name)
    command = "python bench/bench_export.py " + " ".join(sys.argv[1:])
    if os.environ.get("MAKELEVEL"):
        command = "make bench-export"
    section = render(results, info, command)
    print(section)
    if args.write:
        write_section(args.write, section, MARK_START, MARK_END)


if __name__ == "__main__":
    main()
