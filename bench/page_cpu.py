"""CPU time per request of each page and API call of the load test's mix, measured inside one process.

The same seeded database as ``bench/load_ceiling.py`` (bench/load/seed.py) and the production
settings (DEBUG off, Redis cache, PostgreSQL with a persistent connection), but the requests go
through Django's test client in this process: no network, no gunicorn, no other clients.  For each
request it records the CPU time of this thread (the Python the site runs: middleware, views,
templates, the ORM) and of the PostgreSQL backend serving it.  Those are what the load test's
"site CPU per request" is made of, measured steadily even when other work shares the machine.

    DATABASE_URL=postgres://dolly:dolly@127.0.0.1:5432/dolly REDIS_URL=redis://127.0.0.1:6379/0 \\
        python bench/page_cpu.py --rounds 60

``--reuse`` measures again on the database a previous run (or bench/load_ceiling.py) seeded.
``--profile FILE`` writes a cProfile (of CPU time) of the measured rounds.  ``--breakdown`` splits each
request's Python time into template rendering, the ORM's queries (building the SQL, running it and
building the rows) and the rest.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import scratch_database_url  # noqa: E402
from bench.load.stack import check_urls, prepare, run  # noqa: E402

VAR = ROOT / "var" / "page-cpu"  # the collected static files (their manifest names the files pages link)

CATEGORIES = ["open_qa", "brainstorming", "classification", "creative_writing", "general_qa"]
# How often each request comes in the mix (bench/load/locustfile.py): nine contributors to one
# reviewer; a contributor's tasks weigh 3 browse, 2 leaderboard, 3 save, 2 edit-and-submit, 1 list
# (out of 11), a reviewer's 4 review-next (a GET and a POST) and 1 queue page (out of 5).
MIX = {
    "GET /": 9 * 3 / 11,
    "GET /demonstrations/": 9 * 3 / 11,
    "GET /categories/": 9 * 3 / 11,
    "GET /leaderboard/": 9 * 2 / 11,
    "GET /contests/[slug]/leaderboard/": 9 * 2 / 11,
    "GET /api/v1/contests/[slug]/leaderboard/": 9 * 2 / 11,
    "POST /api/v1/demonstrations/": 9 * 3 / 11,
    "PATCH /api/v1/demonstrations/[id]/": 9 * 2 / 11,
    "POST /api/v1/demonstrations/[id]/submit/": 9 * 2 / 11,
    "GET /api/v1/demonstrations/": 9 * 1 / 11,
    "GET /api/v1/review/next/": 1 * 4 / 5,
    "POST /api/v1/demonstrations/[id]/review/": 1 * 4 / 5,
    "GET /review/": 1 * 1 / 5,
}


def signed_in():
    """The seeded accounts, each with a fresh session and its API token (sessions are signed by SECRET_KEY)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from rest_framework.authtoken.models import Token

    accounts = []
    seeded = Token.objects.select_related("user").order_by("user__username")
    for token in [
        *seeded.filter(user__username__startswith="writer")[:100],
        *seeded.filter(user__username__startswith="reviewer")[:20],
    ]:
        user = token.user
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        role = "reviewer" if user.username.startswith("reviewer") else "contributor"
        accounts.append({"role": role, "token": token.key, "session": session.session_key})
    return accounts


class Breakdown:
    """CPU time spent inside template rendering and the ORM's queries, for the request running now."""

    def __init__(self):
        from django.db.models.query import QuerySet
        from django.db.models.sql.compiler import SQLCompiler
        from django.template.backends.django import Template

        self.parts, self.depth = {"templates": 0.0, "queries": 0.0}, 0
        Template.render = self.timed(Template.render, "templates")
        QuerySet._fetch_all = self.timed(QuerySet._fetch_all, "queries")
        SQLCompiler.execute_sql = self.timed(SQLCompiler.execute_sql, "queries")

    def timed(self, function, part):
        def wrapper(*args, **kwargs):
            if self.depth:  # already inside a timed call: counted there
                return function(*args, **kwargs)
            self.depth += 1
            started = time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.parts[part] += time.thread_time() - started
                self.depth -= 1

        return wrapper

    def take(self):
        parts = {name: 1000 * seconds for name, seconds in self.parts.items()}
        self.parts = dict.fromkeys(self.parts, 0.0)
        return parts


def backend_cpu(pid):
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


class Mix:
    """One contributor and one reviewer, sending each request of the mix in turn."""

    def __init__(self, client, accounts, contest, breakdown=None):
        self.client, self.contest, self.breakdown = client, contest, breakdown
        self.writers = [a for a in accounts if a["role"] == "contributor"]
        self.reviewers = [a for a in accounts if a["role"] == "reviewer"]
        self.samples = {name: [] for name in MIX}

    def call(self, name, method, path, account, api, body=None):
        from django.db import connection

        headers = {"HTTP_HOST": "127.0.0.1"}
        if api:
            headers["HTTP_AUTHORIZATION"] = f"Token {account['token']}"
        self.client.cookies["sessionid"] = account["session"]
        connection.ensure_connection()
        pid = connection.connection.info.backend_pid
        cpu, db = time.thread_time(), backend_cpu(pid)
        send = getattr(self.client, method)
        if body is None:
            response = send(path, **headers)
        else:
            response = send(path, data=json.dumps(body), content_type="application/json", **headers)
        python_ms = 1000 * (time.thread_time() - cpu)
        db_ms = 1000 * (backend_cpu(pid) - db) if connection.connection else 0.0
        if response.status_code >= 400 or (not api and response.status_code != 200):
            sys.exit(f"{name}: {response.status_code} {response.content[:300]!r}")
        parts = self.breakdown.take() if self.breakdown else {}
        self.samples[name].append((python_ms, db_ms, parts.get("templates", 0.0), parts.get("queries", 0.0)))
        return response

    def one_round(self, n):
        writer = self.writers[n % len(self.writers)]
        reviewer = self.reviewers[n % len(self.reviewers)]
        self.call("GET /", "get", "/", writer, False)
        self.call("GET /demonstrations/", "get", "/demonstrations/", writer, False)
        self.call("GET /categories/", "get", "/categories/", writer, False)
        self.call("GET /leaderboard/", "get", "/leaderboard/", writer, False)
        contest = f"/contests/{self.contest}/leaderboard/"
        self.call("GET /contests/[slug]/leaderboard/", "get", contest, writer, False)
        self.call("GET /api/v1/contests/[slug]/leaderboard/", "get", "/api/v1" + contest, writer, True)
        body = {
            "category": CATEGORIES[n % len(CATEGORIES)],
            "instruction": f"Load question {n}-{time.time_ns()}: why is that so?",
            "response": "Because of a reason that takes a sentence or two to explain well. " * 3,
        }
        draft = self.call("POST /api/v1/demonstrations/", "post", "/api/v1/demonstrations/", writer, True, body).json()
        edit = {"version": draft["version"], "response": "A better answer, rewritten after reading it again. " * 3}
        path = f"/api/v1/demonstrations/{draft['id']}/"
        self.call("PATCH /api/v1/demonstrations/[id]/", "patch", path, writer, True, edit)
        self.call("POST /api/v1/demonstrations/[id]/submit/", "post", path + "submit/", writer, True, {})
        self.call("GET /api/v1/demonstrations/", "get", "/api/v1/demonstrations/?status=draft", writer, True)
        item = self.call("GET /api/v1/review/next/", "get", "/api/v1/review/next/", reviewer, True)
        if item.status_code == 200:
            decision = "approve" if n % 4 else "request_changes"
            review = {
                "decision": decision,
                "version": item.json()["version"],
                "rating": 4,
                "reason": "" if decision == "approve" else "too_short",
            }
            self.call(
                "POST /api/v1/demonstrations/[id]/review/",
                "post",
                f"/api/v1/demonstrations/{item.json()['id']}/review/",
                reviewer,
                True,
                review,
            )
        self.call("GET /review/", "get", "/review/", reviewer, False)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=60, help="Measured rounds of the whole mix.")
    parser.add_argument("--warmup", type=int, default=5, help="Unmeasured rounds first.")
    parser.add_argument("--reuse", action="store_true", help="Measure on the database a previous run seeded.")
    parser.add_argument("--profile", help="Write a cProfile of the measured rounds to this file.")
    parser.add_argument("--breakdown", action="store_true", help="Split the Python time: templates, queries, rest.")
    parser.add_argument("--contributors", type=int, default=500)
    parser.add_argument("--reviewers", type=int, default=50)
    args = parser.parse_args()
    if args.reuse:
        database_url, redis_url = check_urls()
        env = {"DATABASE_URL": scratch_database_url(database_url, "_load")[0], "REDIS_URL": redis_url}
    else:
        env, _, _ = prepare(args)
    os.environ.update(
        {
            "DATABASE_URL": env["DATABASE_URL"],
            "REDIS_URL": env["REDIS_URL"],
            "SECRET_KEY": "bench-only",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "DEBUG": "false",
            "CONN_MAX_AGE": "60",
            "LOG_LEVEL": "WARNING",
            "API_THROTTLE_USER": "1000000/min",
            "DOLLY_MAX_SUBMISSIONS_PER_HOUR": "1000000",
            "DJANGO_SETTINGS_MODULE": "dolly_collect.settings",
            "DOLLY_VAR_DIR": str(VAR),
        }
    )
    if not (VAR / "static" / "staticfiles.json").exists():
        run([sys.executable, "manage.py", "collectstatic", "--no-input"], dict(os.environ), 600)
    import django

    django.setup()
    from django.test import Client

    from dolly_collect.celery import app
    from leaderboard.models import Contest

    client = Client()
    breakdown = Breakdown() if args.breakdown else None
    mix = Mix(client, signed_in(), Contest.objects.get(slug="load").slug, breakdown)
    for n in range(args.warmup):
        mix.one_round(n)
    mix.samples = {name: [] for name in MIX}
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile(time.thread_time)  # CPU, not time spent waiting for PostgreSQL
        profiler.enable()
    for n in range(args.warmup, args.warmup + args.rounds):
        mix.one_round(n)
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    app.control.purge()  # no worker here: drop the e-mails and jobs the writes queued
    load = os.getloadavg()
    print(
        f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}; {args.rounds} rounds; "
        "ms of CPU per request (Python: median; PostgreSQL: mean)"
    )
    print(f"{'request':45} {'python':>7} {'postgres':>8} {'total':>7}" + ("  templates queries" if breakdown else ""))
    weighted = total_weight = 0.0
    for name, samples in mix.samples.items():
        if not samples:
            continue
        python_ms = statistics.median(s[0] for s in samples)
        db_ms = statistics.mean(s[1] for s in samples)  # the backend's CPU clock ticks every 10 ms: a mean
        split = ""
        if breakdown:
            split = f"  {statistics.median(s[2] for s in samples):9.2f} {statistics.median(s[3] for s in samples):7.2f}"
        print(f"{name:45} {python_ms:7.2f} {db_ms:8.2f} {python_ms + db_ms:7.2f}{split}")
        weighted += MIX[name] * (python_ms + db_ms)
        total_weight += MIX[name]
    print(f"{'mix (weighted as in the load test)':45} {'':7} {'':8} {weighted / total_weight:7.2f}")


if __name__ == "__main__":
    main()
