"""Load a demo site that shows the whole loop: accounts, a running contest, reviewed work and points.

Design: safe to run repeatedly.  Accounts are created once (and their passwords reset to the
printed ones); the contest and teams are set up once; demonstrations are added only when the
demo contributors have none yet.  Every write goes through the same services as the site, in
one transaction: submissions through ``demonstration_create``, outcomes through the review
decisions (which write the reviews, the audit entries, the notifications and, through the
leaderboard's hooks, the points), the contest through ``contest_create``, teams through
``set_team``, open instructions through their services.
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts import services as account_services
from annotations import services
from annotations.models import Category, Demonstration, Origin, Review, Status
from leaderboard import services as leaderboard_services
from leaderboard.models import Contest
from leaderboard.services import contests as contest_services
from open_instructions import services as open_instruction_services
from review import services as review_services

from ..demo_data import ACCOUNTS, DEMONSTRATIONS

CONTEST_SLUG = "demo-sprint"
TEAMS = {"alice": "Search", "bob": "Search", "carol": "Support"}

# How each outcome is reached: the decision a reviewer takes, with its reason and comment.
OUTCOMES = {
    Status.APPROVED: (review_services.review_approve, {"rating": 5}),
    Status.REJECTED: (
        review_services.review_reject,
        {"reason": Review.Reason.FACTUALLY_WRONG, "comment": "The answer contradicts its reference text."},
    ),
    Status.CHANGES_REQUESTED: (
        review_services.review_request_changes,
        {"reason": Review.Reason.TOO_SHORT, "comment": "Add a sentence on why, please."},
    ),
}

# (poser, category, instruction); the first is answered by bob, the others stay open to answer.
OPEN_INSTRUCTIONS = [
    ("carol", "open_qa", "Why do cats purr?"),
    ("alice", "brainstorming", "Give me ideas for a team lunch that everyone can enjoy."),
    ("bob", "classification", "Classify these as fruit or vegetable: tomato, carrot, apple, cucumber."),
]
OPEN_ANSWER = (
    "Cats purr when they are content, but also when stressed or hurt: the vibration seems to soothe "
    "them and may even help bones and tissues heal."
)


class Command(BaseCommand):
    help = "Create demo accounts (passwords printed), a running contest, and reviewed demonstrations."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Show what would be created; change nothing.")

    def handle(self, *args, dry_run=False, verbosity=1, **options):
        User = get_user_model()
        if dry_run:
            names = [account[0] for account in ACCOUNTS]
            existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
            for username, _, role in ACCOUNTS:
                state = "exists" if username in existing else "would be created"
                self.stdout.write(f"{role:12} {username:10} {state}")
            self.stdout.write(f"{len(DEMONSTRATIONS)} demonstrations would be written if none exist.")
            return
        with transaction.atomic():
            users = self._accounts(User)
            self._contest()
            for username, team in TEAMS.items():
                leaderboard_services.set_team(user=users[username], team=team)
            written = self._demonstrations(users)
        if verbosity >= 1:
            self.stdout.write(self.style.SUCCESS("Demo accounts (username / password):"))
            for username, password, role in ACCOUNTS:
                self.stdout.write(f"  {role:12} {username:10} {password}")
            self.stdout.write(f"Demonstrations written: {written}")

    def _accounts(self, User):
        users = {}
        for username, password, role in ACCOUNTS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = account_services.user_create(
                    username=username, email=f"{username}@example.com", password=password
                )
            else:
                user.set_password(password)
                user.save(update_fields=["password"])
            account_services.user_set_roles(user=user, roles={role} & {"reviewer", "admin"})
            users[username] = user
        return users

    def _contest(self):
        if Contest.objects.filter(slug=CONTEST_SLUG).exists():
            return
        now = timezone.now()
        categories = list(Category.objects.filter(is_active=True))
        contest_services.contest_create(
            name="Demo writing sprint",
            slug=CONTEST_SLUG,
            description="Four weeks to write demonstrations in every category. Approved work earns points.",
            prizes="1. A day off of your choice\n2. Lunch with the team of your choice\n3. A Dolly Collect mug",
            starts_at=now - datetime.timedelta(days=7),
            ends_at=now + datetime.timedelta(days=21),
            time_zone="UTC",
            rating_bonus=2,
            open_instruction_bonus=5,
            review_points=1,
            category_targets={category.key: 10 for category in categories},
            categories=categories,
        )

    def _demonstrations(self, users):
        authors = [users[name] for name in ("alice", "bob", "carol")]
        if Demonstration.objects.filter(author__in=authors).exists():
            return 0
        categories = {c.key: c for c in Category.objects.all()}
        reviewers = [users["reviewer"], users["admin"]]
        for author, key, instruction, context, source, response, status in DEMONSTRATIONS:
            demonstration, _ = services.demonstration_create(
                author=users[author],
                category=categories[key],
                instruction=instruction,
                context=context,
                source_url=source,
                response=response,
                origin=Origin.WEB,
                submit=status != Status.DRAFT,
            )
            if status in OUTCOMES:
                self._decide(demonstration, status, reviewers)
        return len(DEMONSTRATIONS) + self._open_instructions(users, categories)

    def _decide(self, demonstration, status, reviewers):
        """Reach ``status`` the way reviewers would: one decision each until the round is decided."""
        service, arguments = OUTCOMES[status]
        for reviewer in reviewers:
            service(demonstration=demonstration, reviewer=reviewer, **arguments)
            demonstration.refresh_from_db(fields=["status"])
            if demonstration.status != Status.SUBMITTED:
                return

    def _open_instructions(self, users, categories):
        posted = [
            open_instruction_services.open_instruction_create(
                author=users[poser], category=categories[key], instruction=instruction
            )
            for poser, key, instruction in OPEN_INSTRUCTIONS
        ]
        open_instruction_services.open_instruction_answer(
            open_instruction=posted[0], answerer=users["bob"], response=OPEN_ANSWER
        )
        return 1
