"""Benchmark of the leaderboards and of awarding points, on PostgreSQL.

For each size (default: 10,000 and 100,000 contributors, 20 ledger entries each, so 200,000
and 2,000,000 entries), creates a scratch database next to the one in DATABASE_URL
(``<name>_leaderboard_bench``, dropped and re-created), migrates it, loads contributors,
profiles (teams, display names, anonymous people) and the points ledger with COPY, then
rebuilds the standings from the ledger with ``rebuild_standings`` and verifies them with
``standings_differences`` (both timed), and measures through the real code:

- ``board``: ``GET /api/v1/contests/{slug}/leaderboard/?limit=50`` with token authentication,
  for callers drawn at random from all contributors (so nearly every request pins the caller's
  own row outside the top 50): Django's test client in-process, so the time is the server's
  (middleware, authentication, the view, serialisation), without a network hop;
- the same for every contest board: people and teams, the whole contest, today and this week,
  each for every category and for one category; the all-time board (whole and this week) and
  the HTML leaderboard page (whole, and this week for one category);
- ``award``: ``on_demonstration_approved`` inside the approval's transaction (row already
  locked, status already approved), i.e. the added cost of points on approval, and
  ``on_review_recorded`` (reviewer points).

Ledger entries generated here do not point at demonstrations (the boards never read them);
the awarding measurement uses real demonstrations created by the benchmark.

Usage: DATABASE_URL=postgres://... python bench/bench_leaderboard.py [--sizes 10000,100000]
       [--entries-per-person 20] [--repeat 300] [--write BENCHMARKS.md]
"""

import argparse
import datetime
import io
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    copy_rows,
    copy_statement,
    drop_database,
    machine,
    recreate_database,
    scratch_database_url,
    setup_django,
    write_section,
)

MARK_START = "<!-- bench_leaderboard:start -->"
MARK_END = "<!-- bench_leaderboard:end -->"
CATEGORIES = [
    "open_qa",
    "closed_qa",
    "information_extraction",
    "summarization",
    "brainstorming",
    "classification",
    "creative_writing",
    "general_qa",
]
ZONE = "Europe/Paris"
SLUG = "bench"


def load(contributors, per_person, seed):
    """Users, profiles, one running contest and the ledger; returns timings in seconds."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from annotations.models import Category
    from leaderboard import services
    from leaderboard.models import Contest

    timings = {}
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    timings["migrate"] = time.perf_counter() - started
    rng = random.Random(seed)
    now = timezone.now()
    started = time.perf_counter()
    contest = Contest.objects.create(
        name="Bench contest",
        slug=SLUG,
        starts_at=now - datetime.timedelta(days=20),
        ends_at=now + datetime.timedelta(days=10),
        time_zone=ZONE,
        base_points=10,
        category_multipliers={"closed_qa": "1.5", "summarization": "1.3"},
        rating_bonus=2,
        review_points=1,
        daily_cap=200,
        balance_bonus=True,
        category_targets=dict.fromkeys(CATEGORIES, contributors // 2),
    )
    categories = {c.key: c.pk for c in Category.objects.filter(key__in=CATEGORIES)}
    contest.categories.set(categories.values())
    category_ids = list(categories.values())
    teams = max(contributors // 500, 1)
    joined = now.isoformat()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM auth_user")
        first_id = cursor.fetchone()[0] + 1
        user_ids = list(range(first_id, first_id + contributors))
        copy_rows(
            cursor,
            "auth_user",
            [
                "id",
                "password",
                "is_superuser",
                "username",
                "first_name",
                "last_name",
                "email",
                "is_staff",
                "is_active",
                "date_joined",
            ],
            (
                (
                    uid,
                    "!",
                    False,
                    f"bench{uid}",
                    "Bench",
                    f"Person {uid}",
                    f"bench{uid}@example.com",
                    False,
                    True,
                    joined,
                )
                for uid in user_ids
            ),
        )
        cursor.execute("SELECT setval(pg_get_serial_sequence('auth_user', 'id'), %s)", [user_ids[-1]])

        def profiles():
            for uid in user_ids:
                roll = rng.random()
                visibility = "anonymous" if roll < 0.05 else "display_name" if roll < 0.15 else "real_name"
                yield uid, f"Team {uid % teams}", f"Nick {uid}" if visibility == "display_name" else "", visibility

        copy_rows(cursor, "accounts_profile", ["user_id", "team", "display_name", "show_on_boards"], profiles())
        timings["users"] = time.perf_counter() - started

        started = time.perf_counter()
        copy_ledger(cursor, contest, user_ids, category_ids, contributors * per_person, seed, now)
        timings["ledger"] = time.perf_counter() - started
        cursor.execute("VACUUM ANALYZE")
    started = time.perf_counter()
    services.rebuild_standings()
    timings["rebuild_standings"] = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    started = time.perf_counter()
    differences = services.standings_differences()
    timings["check_standings"] = time.perf_counter() - started
    assert not differences, differences[:5]
    return timings


def copy_ledger(cursor, contest, user_ids, category_ids, total, seed, now, chunk=250_000):
    """COPY ``total`` generated entries over the last 20 days, vectorised with numpy and pandas.

    Contributors are skewed (a few write a lot: user index ~ U², like a real contest); 2% of
    the entries are reversals, 8% reviewer points, the rest approvals worth 0-15 points.
    """
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    users = np.asarray(user_ids)
    categories = np.asarray(category_ids)
    offset = contest.zone.utcoffset(now.replace(tzinfo=None)).total_seconds()
    explanation = json.dumps({"v": 1, "steps": [{"code": "base", "points": 10}], "points": 10})
    columns = [
        "contest_id",
        "user_id",
        "category_id",
        "reason",
        "sequence",
        "points",
        "counted",
        "day",
        "explanation",
        "created_at",
    ]
    sql = copy_statement("leaderboard_pointentry", columns, " WITH (FORMAT csv)")
    for start in range(0, total, chunk):
        n = min(chunk, total - start)
        moments = now.timestamp() - rng.random(n) * 20 * 86400
        roll = rng.random(n)
        reason = np.where(roll < 0.02, "approval_reversed", np.where(roll < 0.10, "review", "approval"))
        approval_points = rng.choice([10, 10, 10, 15, 13, 12, 14, 0], n)
        points = np.where(roll < 0.02, -10, np.where(roll < 0.10, 1, approval_points))
        counted = np.where(roll < 0.02, -1, np.where(roll < 0.10, 0, 1))
        created = pd.to_datetime(moments, unit="s", utc=True)
        frame = pd.DataFrame(
            {
                "contest_id": contest.pk,
                "user_id": users[(len(users) * rng.random(n) ** 2).astype(int)],
                "category_id": rng.choice(categories, n),
                "reason": reason,
                "sequence": 1,
                "points": points,
                "counted": counted,
                "day": pd.to_datetime(moments + offset, unit="s").strftime("%Y-%m-%d"),
                "explanation": explanation,
                "created_at": created.strftime("%Y-%m-%d %H:%M:%S.%f+00"),
            }
        )
        buffer = io.StringIO()
        frame.to_csv(buffer, header=False, index=False)
        buffer.seek(0)
        cursor.copy_expert(sql, buffer)


def summary(samples):
    ordered = sorted(samples)
    return {
        "n": len(samples),
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


# (result key, query string) of every contest board measured: people and teams, whole contest, windows, category
WINDOWS = [("", ""), ("_today", "&window=today"), ("_week", "&window=week")]
CATEGORY = "summarization"
BOARDS = [
    (f"board{scope_key}{window_key}{category_key}", f"scope={scope}{window}{category}")
    for scope_key, scope in (("", "people"), ("_teams", "teams"))
    for category_key, category in (("", ""), ("_category", f"&category={CATEGORY}"))
    for window_key, window in WINDOWS
]


def measure(repeat, seed):
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from annotations.models import Category, Demonstration, Review, Status
    from leaderboard import services
    from leaderboard.models import Contest

    rng = random.Random(seed)
    ids = list(User.objects.filter(username__startswith="bench").values_list("id", flat=True))
    callers = rng.sample(ids, min(repeat, len(ids)))
    Token.objects.bulk_create([Token(user_id=uid, key=f"{uid:040d}") for uid in callers], ignore_conflicts=True)
    client = Client()
    people = User.objects.in_bulk(callers)
    results = {}

    def run(key, path, *, session=False, warmup=10):
        samples = []
        queries = None
        for i, uid in enumerate(callers[:warmup] + callers):
            if session:
                client.force_login(people[uid], backend="django.contrib.auth.backends.ModelBackend")
                headers = {}
            else:
                headers = {"HTTP_AUTHORIZATION": f"Token {uid:040d}"}
            if i == warmup:
                with CaptureQueriesContext(connection) as captured:
                    response = client.get(path, **headers)
                queries = len(captured)
                assert response.status_code == 200, response.content[:500]
                continue
            started = time.perf_counter()
            response = client.get(path, **headers)
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, response.content[:500]
            if i > warmup:
                samples.append(elapsed)
        results[key] = {**summary(samples), "queries": queries}

    base = f"/api/v1/contests/{SLUG}/leaderboard/"
    for key, query in BOARDS:
        run(key, f"{base}?{query}&limit=50")
    run("board_alltime", "/api/v1/leaderboard/?limit=50")
    run("board_alltime_week", "/api/v1/leaderboard/?window=week&limit=50")
    run("page", f"/contests/{SLUG}/leaderboard/?limit=50", session=True)
    run(
        "page_week_category", f"/contests/{SLUG}/leaderboard/?window=week&category=summarization&limit=50", session=True
    )

    contest = Contest.objects.get(slug=SLUG)
    reviewer, _created = User.objects.get_or_create(username="bench-reviewer", defaults={"password": "!"})
    categories = list(Category.objects.filter(key__in=CATEGORIES))
    now = timezone.now()
    authors = rng.sample(ids, repeat + 10)
    tag = f"{time.time():.0f}"
    demos = []
    for uid in authors:
        demo = Demonstration(
            author_id=uid,
            category=rng.choice(categories),
            instruction=f"Bench {tag} {uid}?",
            response="Bench answer.",
            status=Status.SUBMITTED,
            submitted_at=now,
            review_round=1,
        )
        demo.set_text_hashes()
        demos.append(demo)
    Demonstration.objects.bulk_create(demos)
    award, review_cost = [], []
    for i, demo in enumerate(Demonstration.objects.filter(instruction__startswith=f"Bench {tag} ").order_by("id")):
        with transaction.atomic():
            locked = Demonstration.objects.select_for_update(of=("self",)).select_related("category").get(pk=demo.pk)
            locked.status = Status.APPROVED
            locked.save(update_fields=["status"])
            review = Review.objects.create(
                demonstration=locked, reviewer=reviewer, decision="approve", rating=5, round=1
            )
            started = time.perf_counter()
            services.on_review_recorded(review)
            middle = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                entries = services.on_demonstration_approved(locked, review=review)
            ended = time.perf_counter()
        assert [entry.contest_id for entry in entries] == [None, contest.pk]  # standard points, then the contest's
        if i >= 10:
            review_cost.append(middle - started)
            award.append(ended - middle)
            award_queries = len(captured)
    results["award"] = {**summary(award), "queries": award_queries}
    results["review_points"] = summary(review_cost)
    assert not services.standings_differences()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM leaderboard_pointentry")
        entries = cursor.fetchone()[0]
    return results, {"database_size": size, "entries": entries}


def measure_retrying(repeat, seed, attempts=3):
    """Measure again if the database restarts underneath (other fault tests share this server)."""
    from django.db import OperationalError, connections

    for attempt in range(attempts):
        try:
            return measure(repeat, seed)
        except (OperationalError, AssertionError) as error:
            if attempt == attempts - 1:
                raise
            print(f"  measurement interrupted ({str(error)[:80]!r}); measuring again", flush=True)
            connections.close_all()
            time.sleep(5)


TARGET = ", target ≤ 20 ms"
ROWS = [
    (
        "Contest board, people, top 50 + your rank (`/api/v1/contests/{slug}/leaderboard/`), target ≤ 20 ms, "
        "≤ 10 queries",
        "board",
        20,
    ),
    ("… today" + TARGET, "board_today", 20),
    ("… this week" + TARGET, "board_week", 20),
    ("… one category, whole contest" + TARGET, "board_category", 20),
    ("… today, one category" + TARGET, "board_today_category", 20),
    ("… this week, one category" + TARGET, "board_week_category", 20),
    ("Contest board, teams" + TARGET, "board_teams", 20),
    ("… teams, today" + TARGET, "board_teams_today", 20),
    ("… teams, this week" + TARGET, "board_teams_week", 20),
    ("… teams, one category" + TARGET, "board_teams_category", 20),
    ("… teams, today, one category" + TARGET, "board_teams_today_category", 20),
    ("… teams, this week, one category" + TARGET, "board_teams_week_category", 20),
    ("All-time board (`/api/v1/leaderboard/`)", "board_alltime", None),
    ("… this week", "board_alltime_week", None),
    ("HTML leaderboard page (session)", "page", None),
    ("… this week, one category", "page_week_category", None),
    ("Awarding on approval (`on_demonstration_approved`), target ≤ 5 ms", "award", 5),
    ("Reviewer points (`on_review_recorded`)", "review_points", None),
]


def render(args, info, runs):
    sizes = [size for size, _ in runs]
    header = "| Operation | " + " | ".join(f"{size:,} people: median / p95 ms (queries)" for size in sizes) + " |"
    lines = [
        MARK_START,
        "## Leaderboards and points",
        "",
        f"- Date: {datetime.date.today().isoformat()}",
        f"- Command: `DATABASE_URL=postgres://... python bench/bench_leaderboard.py --sizes "
        f"{','.join(str(s) for s in sizes)} --entries-per-person {args.entries_per_person} --repeat {args.repeat}` "
        "(or `make bench`)",
        f"- Machine: `{info['uname']}`, nproc {info['nproc']} ({info['cpu']}), Python {info['python']}, "
        f"PostgreSQL {info['postgresql']} (the baseline configuration `.ci/services.sh` writes, same machine "
        "as the client)",
    ]
    for size, (timings, _results, counts) in runs:
        lines.append(
            f"- {size:,} contributors, {counts['entries']:,} ledger entries, one running contest, "
            f"{max(size // 500, 1)} teams; database {counts['database_size']}. Load with COPY: users "
            f"{timings['users']:.1f} s, ledger {timings['ledger']:.1f} s; `rebuild_standings` "
            f"{timings['rebuild_standings']:.1f} s; check (ledger = standings) {timings['check_standings']:.1f} s. "
            f"Load average while measuring: {counts['load'][0]:.1f} → {counts['load'][1]:.1f} "
            "(the machine is shared with other test and benchmark runs)."
        )
    lines += [
        "",
        "Server time in milliseconds: Django's test client in-process with token authentication (middleware, "
        "authentication, view, serialisation; no network hop), callers drawn at random from all contributors "
        f"(nearly all outside the top 50, so their row is pinned with its rank), {args.repeat} requests after "
        "10 warm-up ones. Awarding is timed around the call inside the approval's transaction.",
        "",
        header,
        "|---|" + "---|" * len(sizes),
    ]
    for label, key, target in ROWS:
        cells = []
        for _size, (_timings, results, _counts) in runs:
            r = results[key]
            verdict = "" if target is None else (" ✅" if r["median_ms"] <= target else " ❌")
            queries = f" ({r['queries']})" if r.get("queries") is not None else ""
            cells.append(f"{r['median_ms']}{verdict} / {r['p95_ms']}{queries}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    if len(runs) > 1:
        (small, (_t1, first, _c1)), (large, (_t2, last, _c2)) = runs[0], runs[-1]
        growth = ", ".join(
            f"{key} ×{last[key]['median_ms'] / first[key]['median_ms']:.2f}"
            for key in ("board", "board_teams", "board_week", "board_week_category", "board_teams_week", "award")
        )
        lines += [
            "",
            f"Growth of the median from {small:,} to {large:,} contributors (×{large // small} data): {growth}.",
        ]
    lines += [
        "",
        "The whole-contest boards read the `Standing`/`TeamStanding` running totals: the top 50 is a range of "
        "the partial `(contest, -points, reached_at, user)` index; the caller's rank is the sum of the score "
        "histogram (`ScoreCount`, one row per distinct score) above their score plus a count of the people on "
        "the same score who got there first, and the gap is one backward index step: none of it grows with the "
        "number of contributors. Every other board (today, this week, the whole contest, each for one category "
        "or all; people and teams) reads its own running totals the same way: `BoardTotal` and `TeamBoardTotal` "
        "rows keyed by (contest, period, period start, category), an index range and a `BoardScoreCount` "
        "histogram sum; no board adds up the ledger. Awarding reads every board's context and the person's "
        "rows on the boards it adds to in the round trip that takes the ledger writer lock, then sends the approval's "
        "two entries (the standard all-time points and the contest's) and one `INSERT ... ON CONFLICT DO UPDATE` "
        "per running total (two where the all-time rows have their own unique index) in one more round trip: two "
        "queries in all, the contests it counts for checked in the first. `rebuild_standings` is "
        "one `INSERT ... SELECT ... GROUP BY` per table in one transaction; the check is two `EXCEPT` queries "
        "per table.",
        MARK_END,
    ]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--sizes",
        default=os.environ.get("BENCH_LEADERBOARD_SIZES", "10000,100000"),
        help="comma-separated numbers of contributors",
    )
    parser.add_argument("--entries-per-person", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--write", help="update the leaderboard section of this Markdown file")
    parser.add_argument("--keep", action="store_true", help="keep the last scratch database for inspection")
    args = parser.parse_args()
    admin_url = os.environ.get("DATABASE_URL", "")
    if not admin_url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database: the benchmark creates a scratch one next to it.")
    url, name = scratch_database_url(admin_url, "_leaderboard_bench")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    runs = []
    info = None
    for index, size in enumerate(sizes):
        if index == 0:
            recreate_database(admin_url, name)
            setup_django(url, API_THROTTLE_USER="1000000/min")
        else:
            from django.db import connections

            connections.close_all()
            recreate_database(admin_url, name)
        print(f"{name}: {size:,} contributors, {size * args.entries_per_person:,} entries", flush=True)
        timings = load(size, args.entries_per_person, args.seed)
        print("  loaded: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()), flush=True)
        load_before = os.getloadavg()[0]
        results, counts = measure_retrying(args.repeat, args.seed)
        counts["load"] = (load_before, os.getloadavg()[0])
        for key, value in results.items():
            print(f"  {key}: {value}", flush=True)
        info = info or machine()
        runs.append((size, (timings, results, counts)))
    from django.db import connections

    connections.close_all()
    if not args.keep:
        drop_database(admin_url, name)
    text = render(args, info, runs)
    print(text)
    if args.write:
        write_section(args.write, text, MARK_START, MARK_END)


if __name__ == "__main__":
    main()
