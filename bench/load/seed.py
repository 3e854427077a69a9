"""Seed a scratch database for the load test and print the accounts as JSON (run by bench/load_test.py).

Run as ``manage.py shell -c "exec(open('bench/load/seed.py').read())"`` with LOAD_CONTRIBUTORS,
LOAD_REVIEWERS and LOAD_USERS_FILE in the environment.
"""

import json
import os
import random
from datetime import timedelta

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from annotations.models import Category, Demonstration, Notification, Review, Revision, Status
from dolly_collect.celery import app
from leaderboard.models import Contest
from review import services as review_services

User = get_user_model()
rng = random.Random(42)
contributors = int(os.environ.get("LOAD_CONTRIBUTORS", "500"))
reviewers = int(os.environ.get("LOAD_REVIEWERS", "50"))
categories = list(Category.objects.filter(needs_context=False))


def account(username, role):
    user = User.objects.create_user(username=username, email=f"{username}@example.com")
    user.set_unusable_password()
    user.save(update_fields=["password"])
    if role == "reviewer":
        user.groups.add(Group.objects.get_or_create(name="reviewer")[0])
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return user, {
        "username": username,
        "role": role,
        "token": Token.objects.create(user=user).key,
        "session": session.session_key,
    }


with transaction.atomic():
    now = timezone.now()
    contest = Contest.objects.create(
        name="Load", slug="load", starts_at=now - timedelta(days=7), ends_at=now + timedelta(days=30)
    )
    contest.categories.set(Category.objects.all())
    people = [account(f"writer{n:04d}", "contributor") for n in range(contributors)]
    people += [account(f"reviewer{n:03d}", "reviewer") for n in range(reviewers)]
    writers = [user for user, info in people if info["role"] == "contributor"]
    rows = []
    for n in range(6000):
        rows.append(
            Demonstration(
                author=rng.choice(writers),
                category=rng.choice(categories),
                status=Status.SUBMITTED,
                submitted_at=now - timedelta(minutes=6000 - n),
                instruction=f"Seeded question {n}: how would you explain topic {n % 97} to a new colleague?",
                response=("A clear, friendly explanation with an example and a caveat. " * 4).strip(),
            )
        )
    for row in rows:
        row.set_text_hashes()
    Demonstration.objects.bulk_create(rows, batch_size=2000)
    Revision.objects.bulk_create(
        [
            Revision(
                demonstration=d,
                version=1,
                editor=d.author,
                category=d.category,
                instruction=d.instruction,
                context="",
                source_url="",
                response=d.response,
            )
            for d in Demonstration.objects.select_related("category")
        ],
        batch_size=2000,
    )

first_reviewer = next(user for user, info in people if info["role"] == "reviewer")
for demonstration in Demonstration.objects.filter(status=Status.SUBMITTED).order_by("submitted_at")[:1500]:
    review_services.review_decide(
        decision=Review.Decision.APPROVE,
        demonstration=demonstration,
        reviewer=first_reviewer,
        expected_version=demonstration.version,
        reason="",
        comment="",
        rating=4,
    )

# The seeded decisions queued an e-mail each for made-up people: drop them, or the worker spends the
# measured steps sending them and its CPU per request served counts work no request caused.
Notification.objects.filter(emailed_at__isnull=True).update(emailed_at=timezone.now())
print(f"dropped {app.control.purge()} queued seed e-mails")

with connection.cursor() as cursor:
    cursor.execute("ANALYZE")  # a running site has planner statistics; a freshly seeded one does not

with open(os.environ["LOAD_USERS_FILE"], "w") as handle:
    json.dump({"contest": contest.slug, "accounts": [info for _, info in people]}, handle)
print(f"seeded {contributors} contributors, {reviewers} reviewers, {Demonstration.objects.count()} demonstrations")
