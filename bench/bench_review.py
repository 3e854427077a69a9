"""Benchmark of the review queue and the duplicate checks on PostgreSQL.

Creates a scratch database next to the one in DATABASE_URL (``<name>_review_bench``, dropped
and re-created unless ``--reuse`` finds it filled), migrates it, loads generated demonstrations
with COPY (instructions drawn from a Zipf-distributed vocabulary behind common question
openings), their MinHash/LSH bands, one review per decided record and a few quality flags,
then measures through the real services:

- ``claim``: ``review.services.review_claim_next`` for a rotating set of reviewers, each
  claimed item then approved (untimed) as a reviewer would; also with a category and a flag
  filter;
- ``duplicates``: ``quality.check_duplicates`` (exact hash lookup + LSH band lookup and exact
  trigram similarity of the candidates) for probe instructions: exact copies, copies with one
  word changed, and new text;
- ``submit``: the whole ``demonstration_create(submit=True)`` path (all checks and writes).

Usage: DATABASE_URL=postgres://... python bench/bench_review.py [--rows 1000000] [--reuse]
       [--write BENCHMARKS.md]
Nothing is downloaded: all text is generated here from a fixed seed.
"""

import argparse
import bisect
import datetime
import hashlib
import itertools
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from psycopg2 import sql as pgsql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    CONTEXT_CATEGORIES,
    copy_rows,
    database_exists,
    machine,
    recreate_database,
    scratch_database_url,
    setup_django,
    write_section,
)

MARK_START = "<!-- bench_review:start -->"
MARK_END = "<!-- bench_review:end -->"
OPENINGS = [
    "What is the",
    "What are the",
    "Why does the",
    "Why do",
    "How do I",
    "How does the",
    "Explain the",
    "Give me a list of",
    "Write a short poem about",
    "Classify each of the following:",
    "Summarize the",
    "Who was the",
    "When did the",
    "Where is the",
    "Tell me about the",
    "Which is better,",
    "Describe the",
    "What should I know about",
    "Brainstorm ideas for",
    "Is it true that the",
]
SYLLABLES = [
    "ka",
    "to",
    "ri",
    "mel",
    "an",
    "dor",
    "vi",
    "les",
    "pra",
    "qu",
    "en",
    "sol",
    "tar",
    "mo",
    "nix",
    "bel",
    "ca",
    "ur",
    "fen",
    "gal",
    "ho",
    "ist",
    "jo",
    "lun",
    "ne",
    "or",
    "pe",
    "sa",
    "ter",
    "zu",
]
FUNCTION_WORDS = ["the", "of", "and", "in", "to", "a", "for", "with", "on", "between", "from", "about", "its"]
STATUS_WEIGHTS = [("approved", 75), ("submitted", 10), ("rejected", 7), ("changes_requested", 5), ("draft", 3)]
NOTES = [
    "Notes:",
    "",
    "- The near-duplicate lookup first used a `pg_trgm` GIN index (`instruction % query`, threshold 0.8): on "
    "the same million rows it measured 913 ms median (1.65 s p95) per check, because the posting lists of "
    "common trigrams are long. It was replaced by MinHash/LSH bands (16 bands of 8 min-hashes over the same "
    "trigram sets, an equality index), then the exact trigram similarity of at most 200 candidates; with "
    "8 bands of 4 the candidate lists at this size were too long and recall dropped, hence 16 × 8.",
    "- The claim runs one short transaction: the reviewer's running claim (index), the oldest free item "
    "(`FOR UPDATE SKIP LOCKED`, queue index), one `INSERT ... ON CONFLICT DO UPDATE ... WHERE` for the "
    "claim; it commits with `synchronous_commit = off` (a claim is soft state).",
    "- A probe with one word changed is not always similar enough to be flagged: for short instructions one "
    "word is more than 20 % of the trigrams.",
    "- On a shared machine (load average above the number of cores) the tails are noisy and medians vary "
    "between runs by about 2×; compare runs by their load average.",
]
DECISION_OF = {"approved": "approve", "rejected": "reject", "changes_requested": "request_changes"}


def make_vocabulary(rng, size=30_000):
    words = set()
    while len(words) < size:
        words.add("".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))))
    words = sorted(words)
    rng.shuffle(words)
    cumulative = list(itertools.accumulate(1 / (rank + 1) for rank in range(size)))
    return words, cumulative


class TextMaker:
    def __init__(self, seed=20231):
        self.rng = random.Random(seed)
        self.words, self.cum = make_vocabulary(self.rng)
        self.total = self.cum[-1]

    def word(self):
        if self.rng.random() < 0.3:
            return self.rng.choice(FUNCTION_WORDS)
        return self.words[bisect.bisect(self.cum, self.rng.random() * self.total)]

    def instruction(self):
        body = " ".join(self.word() for _ in range(self.rng.randint(4, 16)))
        return f"{self.rng.choice(OPENINGS)} {body}?"

    def passage(self, n):
        return " ".join(self.word() for _ in range(n)).capitalize() + "."


def normalise_hash(*parts):
    from annotations.text import text_hash

    return text_hash(*parts)


def load(rows, seed):
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connection

    from accounts.permissions import REVIEWER_GROUP
    from annotations.models import Category, Demonstration, InstructionBand, QualityFlag, Review
    from annotations.text import minhash_bands

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    users = User.objects.bulk_create([User(username=f"writer{i}", password="!") for i in range(2000)])
    reviewers = User.objects.bulk_create([User(username=f"reviewer{i}", password="!") for i in range(40)])
    group, _ = Group.objects.get_or_create(name=REVIEWER_GROUP)
    group.user_set.add(*reviewers)
    categories = list(Category.objects.values_list("id", "key"))
    maker = TextMaker(seed)
    rng = maker.rng
    passages = [maker.passage(rng.randint(40, 70)) for _ in range(5000)]
    responses = [maker.passage(rng.randint(15, 45)) for _ in range(5000)]
    statuses, weights = zip(*STATUS_WEIGHTS, strict=True)
    start_time = datetime.datetime(2023, 3, 1, tzinfo=datetime.UTC)
    table = Demonstration._meta.db_table
    facts = []
    band_file = tempfile.TemporaryFile("w+")  # noqa: SIM115 - read back and closed below

    def demonstrations():
        for i in range(rows):
            category_id, key = categories[i % len(categories)]
            status = rng.choices(statuses, weights)[0]
            instruction = maker.instruction()
            context = source = ""
            if key in CONTEXT_CATEGORIES:
                context = f"{rng.choice(passages)} Record {i}."
                source = f"https://en.wikipedia.org/wiki/Article_{i}"
            at = start_time + datetime.timedelta(seconds=20 * i)
            submitted = None if status == "draft" else at
            facts.append((status, rng.choice(reviewers).pk))
            if status != "draft":
                band_file.write("".join(f"{i}\t{value}\n" for value in minhash_bands(instruction)))
            yield (
                uuid.UUID(int=rng.getrandbits(128), version=4),
                users[i % len(users)].pk,
                category_id,
                instruction,
                context,
                source,
                rng.choice(responses),
                status,
                "web",
                1 if status == "draft" else 2,
                "",
                "",
                at,
                at,
                submitted,
                None,
                0 if status == "draft" else 1,
                normalise_hash(instruction, context),
                normalise_hash(context),
            )

    with connection.cursor() as cursor:
        copy_rows(
            cursor.cursor,
            table,
            [
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
                "instruction_author_id",
                "review_round",
                "instruction_hash",
                "context_hash",
            ],
            demonstrations(),
        )
        cursor.execute(pgsql.SQL("SELECT min(id) FROM {}").format(pgsql.Identifier(table)))
        first_id = cursor.fetchone()[0]
        loaded = time.perf_counter()

        def reviews():
            for offset, (status, reviewer_id) in enumerate(facts):
                if status in DECISION_OF:
                    at = start_time + datetime.timedelta(seconds=20 * offset + 3600)
                    yield (
                        first_id + offset,
                        reviewer_id,
                        DECISION_OF[status],
                        "" if status == "approved" else "other",
                        "",
                        rng.choice([None, 3, 4, 5]),
                        1,
                        1,
                        at,
                    )

        copy_rows(
            cursor.cursor,
            Review._meta.db_table,
            [
                "demonstration_id",
                "reviewer_id",
                "decision",
                "reason",
                "comment",
                "rating",
                "round",
                "demonstration_version",
                "created_at",
            ],
            reviews(),
        )
        kinds = QualityFlag.Kind.values

        def flags():
            for offset in range(0, rows, 33):
                yield (
                    first_id + offset,
                    rng.choice(kinds),
                    "{}",
                    "generated",
                    None,
                    start_time,
                    facts[offset][0] == "submitted",
                )

        copy_rows(
            cursor.cursor,
            QualityFlag._meta.db_table,
            ["demonstration_id", "kind", "params", "detail", "other_id", "created_at", "in_queue"],
            flags(),
        )
        reviewed = time.perf_counter()
        band_file.seek(0)

        def bands():
            for line in band_file:
                offset, value = line.split("\t")
                yield first_id + int(offset), int(value)

        copy_rows(cursor.cursor, InstructionBand._meta.db_table, ["demonstration_id", "value"], bands())
        band_file.close()
        indexed = time.perf_counter()
        cursor.execute("VACUUM ANALYZE")
    return {
        "copy_demonstrations_s": round(loaded - started, 1),
        "copy_reviews_flags_s": round(reviewed - loaded, 1),
        "copy_bands_s": round(indexed - reviewed, 1),
        "total_load_s": round(time.perf_counter() - started, 1),
    }


def remember_load(load_times):
    import json

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"COMMENT ON DATABASE {connection.ops.quote_name(connection.settings_dict['NAME'])} IS %s",
            [json.dumps(load_times)],
        )


def recall_load():
    import json

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [connection.settings_dict["NAME"]],
        )
        row = cursor.fetchone()
    try:
        return json.loads(row[0]) if row and row[0] else None
    except ValueError:
        return None


def timed(function, repeat):
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def summary(samples):
    ordered = sorted(samples)
    return {
        "n": len(samples),
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
        "max_ms": round(ordered[-1], 2),
    }


def measure(repeat, seed):
    from django.contrib.auth.models import User
    from django.db import connection

    from annotations import quality, services
    from annotations.models import Category, Demonstration, Origin, QualityFlag
    from annotations.text import minhash_bands
    from review import selectors
    from review import services as review_services

    reviewers = list(User.objects.filter(username__startswith="reviewer").order_by("id"))
    results, counter = {}, itertools.count()

    def claim_cycle(filters):
        def once():
            reviewer = reviewers[next(counter) % len(reviewers)]
            started = time.perf_counter()
            item = review_services.review_claim_next(reviewer=reviewer, filters=filters)
            elapsed = (time.perf_counter() - started) * 1000
            if item is not None:
                review_services.review_approve(demonstration=item, reviewer=reviewer)
            return elapsed

        for _ in range(10):
            once()
        return [once() for _ in range(repeat)]

    results["claim"] = summary(claim_cycle(selectors.NO_FILTERS))
    summarization = Category.objects.get(key="summarization")
    results["claim_category_filter"] = summary(claim_cycle(selectors.QueueFilters(category_id=summarization.pk)))
    results["claim_flag_filter"] = summary(claim_cycle(selectors.QueueFilters(flag=QualityFlag.Kind.PERSONAL_DATA)))

    rng = random.Random(seed + 1)
    maker = TextMaker(seed + 2)
    open_qa = Category.objects.get(key="open_qa")
    max_id = Demonstration.objects.order_by("-id").values_list("id", flat=True).first()
    existing = []
    while len(existing) < repeat:
        row = (
            Demonstration.objects.filter(id__gte=rng.randint(1, max_id), status="approved", context="")
            .order_by("id")
            .values_list("instruction", flat=True)
            .first()
        )
        if row:
            existing.append(row)
    probes = []
    for i in range(repeat):
        kind = ("exact", "one_word_changed", "new")[i % 3]
        if kind == "exact":
            text = existing[i]
        elif kind == "one_word_changed":
            words = existing[i].split()
            words[-2] = maker.word()
            text = " ".join(words)
        else:
            text = maker.instruction()
        probes.append((kind, text))
    hits = {"exact": [0, 0], "one_word_changed": [0, 0], "new": [0, 0]}
    samples = {"exact": [], "one_word_changed": [], "new": []}
    for _kind, text in probes[:15]:
        probe = Demonstration(category=open_qa, instruction=text, context="", response="x")
        probe.set_text_hashes()
        quality.check_duplicates(probe)
    for kind, text in probes:
        probe = Demonstration(category=open_qa, instruction=text, context="", response="x")
        probe.set_text_hashes()
        started = time.perf_counter()
        findings = quality.check_duplicates(probe)
        samples[kind].append((time.perf_counter() - started) * 1000)
        found = {f.kind for f in findings}
        hits[kind][0] += "exact_duplicate" in found
        hits[kind][1] += "near_duplicate" in found
    results["duplicates"] = summary([s for values in samples.values() for s in values])
    for kind, values in samples.items():
        results[f"duplicates_{kind}"] = {**summary(values), "exact_found": hits[kind][0], "near_found": hits[kind][1]}

    writers = itertools.cycle(User.objects.filter(username__startswith="writer").order_by("-id")[:1000])

    def submit_once():
        services.demonstration_create(
            author=next(writers),
            category=open_qa,
            instruction=maker.instruction(),
            response="A response long enough for the open QA minimum length.",
            origin=Origin.API,
            submit=True,
        )

    results["submit"] = summary(timed(submit_once, repeat))

    plans = {}
    with connection.cursor() as cursor:
        reviewer = reviewers[0]
        from django.utils import timezone

        queue = selectors.review_queue(reviewer=reviewer, now=timezone.now())[:1]
        sql, params = queue.query.sql_with_params()
        cursor.execute("EXPLAIN ANALYZE " + sql, params)
        plans["claim_query"] = [row[0] for row in cursor.fetchall()]
        probe = Demonstration(category=open_qa, instruction=probes[1][1], context="", response="x")
        probe.set_text_hashes()
        sql, params = quality._candidate_rows(probe, (), minhash_bands(probe.instruction)).query.sql_with_params()
        cursor.execute("EXPLAIN ANALYZE " + sql, params)
        plans["near_duplicate_query"] = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT count(*), pg_size_pretty(pg_database_size(current_database())) FROM annotations_demonstration"
        )
        count, size = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM annotations_demonstration WHERE status = 'submitted'")
        queue_length = cursor.fetchone()[0]
        counts = {"demonstrations": count, "database_size": size, "submitted_left": queue_length}
        for key, table in [
            ("reviews", "annotations_review"),
            ("bands", "annotations_instructionband"),
            ("flags", "annotations_qualityflag"),
        ]:
            cursor.execute(pgsql.SQL("SELECT count(*) FROM {}").format(pgsql.Identifier(table)))
            counts[key] = cursor.fetchone()[0]
    return results, plans, counts


def render(args, info, load_times, results, plans, counts):
    def row(label, key, target=None):
        r = results[key]
        verdict = "" if target is None else (" ✅" if r["median_ms"] <= target else " ❌")
        return f"| {label} | {r['n']} | {r['median_ms']}{verdict} | {r['p95_ms']} | {r['max_ms']} |"

    lines = [
        MARK_START,
        "## Review queue and duplicate checks",
        "",
        f"- Date: {datetime.date.today().isoformat()}",
        f"- Command: `DATABASE_URL=postgres://... {sys.executable.split('/')[-1]} bench/bench_review.py "
        f"--rows {args.rows} --repeat {args.repeat}` (or `make bench`)",
        f"- Machine: `{info['uname']}`, nproc {info['nproc']} ({info['cpu']}), Python {info['python']}, "
        f"PostgreSQL {info['postgresql']} ({info['postgresql_settings']}, as `.ci/services.sh` sets them; "
        "same machine as the client); "
        f"1-minute load average {counts['loadavg'][0]:.1f} when measuring began, {counts['loadavg'][1]:.1f} at the end",
        f"- Data: {counts['demonstrations']:,} demonstrations ({args.rows:,} generated, the rest written by "
        f"benchmark runs), {counts['reviews']:,} reviews, {counts['bands']:,} LSH bands, "
        f"{counts['flags']:,} quality flags; database {counts['database_size']}; "
        f"{counts['submitted_left']:,} waiting for review at the end. Instructions are generated from a Zipf "
        'vocabulary behind common openings ("What is the", "Give me a list of", ...).',
        "- Load (COPY, generation included): "
        + (", ".join(f"{k.removesuffix('_s')} {v} s" for k, v in load_times.items()) if load_times else "not recorded"),
        "",
        "Times in milliseconds, measured in the client around the service call (includes the "
        "transaction and the round trips), warm cache after 10–15 warm-up calls.",
        "",
        "| Operation | calls | median | p95 | max |",
        "|---|---|---|---|---|",
        row("Claim next queue item (`review_claim_next`), target ≤ 20", "claim", 20),
        row("… filtered by category", "claim_category_filter"),
        row("… filtered by flag", "claim_flag_filter"),
        row("Duplicate + near-duplicate check (`check_duplicates`), target ≤ 30", "duplicates", 30),
        row("… probe is an exact copy", "duplicates_exact"),
        row("… probe has one word changed", "duplicates_one_word_changed"),
        row("… probe is new text", "duplicates_new"),
        row("Whole submit (`demonstration_create(submit=True)`, all checks and writes)", "submit"),
        "",
        "Detection on the probes: exact copies flagged exact "
        f"{results['duplicates_exact']['exact_found']}/{results['duplicates_exact']['n']}; one word changed "
        f"flagged near {results['duplicates_one_word_changed']['near_found']}/"
        f"{results['duplicates_one_word_changed']['n']}; new text flagged "
        f"{results['duplicates_new']['exact_found'] + results['duplicates_new']['near_found']}/"
        f"{results['duplicates_new']['n']} (threshold {args.threshold}).",
        "",
        *NOTES,
        "",
        "<details><summary>Query plans</summary>",
        "",
        "Claim (the queue query, without the row lock):",
        "",
        "```",
        *plans["claim_query"],
        "```",
        "",
        "Near-duplicate candidates (LSH band index):",
        "",
        "```",
        *plans["near_duplicate_query"],
        "```",
        "",
        "</details>",
        MARK_END,
    ]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=int(os.environ.get("BENCH_REVIEW_ROWS", 1_000_000)))
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="keep an already filled benchmark database")
    parser.add_argument("--write", help="update the review section of this Markdown file")
    args = parser.parse_args()
    admin_url = os.environ.get("DATABASE_URL", "")
    if not admin_url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database: the benchmark creates a scratch one next to it.")
    url, name = scratch_database_url(admin_url, "_review_bench")
    fresh = not (args.reuse and database_exists(admin_url, name))
    if fresh:
        recreate_database(admin_url, name)
    setup_django(url)
    from django.conf import settings

    args.threshold = settings.DOLLY_NEAR_DUPLICATE_THRESHOLD
    print(f"database {name}: {'loading ' + format(args.rows, ',') + ' rows' if fresh else 'reused'}", flush=True)
    if not fresh:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    load_times = load(args.rows, args.seed) if fresh else None
    if load_times:
        print("load", load_times, flush=True)
        remember_load(load_times)
    else:
        load_times = recall_load()
    load_before = os.getloadavg()[0]
    results, plans, counts = measure(args.repeat, args.seed)
    counts["loadavg"] = (load_before, os.getloadavg()[0])
    for key, value in results.items():
        print(f"{key:32} {value}")
    text = render(args, machine(), load_times, results, plans, counts)
    if args.write:
        write_section(args.write, text, MARK_START, MARK_END)
        print(f"wrote {args.write}")
    else:
        print(text)
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    print("section digest", digest)


if __name__ == "__main__":
    main()
