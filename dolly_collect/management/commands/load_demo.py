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

ACCOUNTS = [
    # username, password, role
    ("admin", "demo-admin-pass", "admin"),
    ("reviewer", "demo-reviewer-pass", "reviewer"),
    ("alice", "demo-alice-pass", "contributor"),
    ("bob", "demo-bob-pass", "contributor"),
    ("carol", "demo-carol-pass", "contributor"),
]

WIKI = "https://en.wikipedia.org/wiki/"

# (author, category, instruction, context, source, response, final status)
DEMONSTRATIONS = [
    (
        "alice",
        "open_qa",
        "What is the difference between weather and climate?",
        "",
        "",
        "Weather is the state of the atmosphere at a given place and moment: today's rain or tomorrow's "
        "heat. Climate is the pattern of that weather averaged over decades, such as how wet a region's "
        "winters usually are.",
        Status.APPROVED,
    ),
    (
        "alice",
        "open_qa",
        "Why is the sky blue during the day?",
        "",
        "",
        "Sunlight is scattered by the molecules of the air, and short blue wavelengths are scattered much "
        "more than long red ones, so blue light reaches our eyes from every direction of the sky.",
        Status.SUBMITTED,
    ),
    (
        "bob",
        "open_qa",
        "How many bones does an adult human have?",
        "",
        "",
        "An adult human skeleton usually has 206 bones; babies are born with around 270, some of which "
        "fuse as they grow.",
        Status.APPROVED,
    ),
    (
        "carol",
        "open_qa",
        "What does a router do in a home network?",
        "",
        "",
        "It connects the devices in the home to each other and to the internet, hands out local "
        "addresses and forwards traffic between the home network and the provider.",
        Status.DRAFT,
    ),
    (
        "alice",
        "closed_qa",
        "Based on the text, what material was the first version of the tower made of?",
        "The harbour lighthouse was first built in 1821 as a timber tower. After a storm damaged it in 1846, "
        "the town replaced it with a granite tower, which still stands and was automated in 1987.",
        WIKI + "Lighthouse",
        "The first tower was made of timber; it was replaced by granite after 1846.",
        Status.APPROVED,
    ),
    (
        "bob",
        "closed_qa",
        "When was the lighthouse automated, according to the passage?",
        "The harbour lighthouse was first built in 1821 as a timber tower. After a storm damaged it in 1846, "
        "the town replaced it with a granite tower, which still stands and was automated in 1987.",
        WIKI + "Lighthouse",
        "In 1987.",
        Status.CHANGES_REQUESTED,
    ),
    (
        "carol",
        "closed_qa",
        "What does the passage say pandas mostly eat?",
        "The giant panda lives in mountain forests of central China. Although it belongs to the order "
        "Carnivora, its diet is more than 99 percent bamboo, and it spends up to fourteen hours a day eating.",
        WIKI + "Giant_panda",
        "Bamboo makes up more than 99 percent of its diet.",
        Status.SUBMITTED,
    ),
    (
        "alice",
        "information_extraction",
        "List the years mentioned in the text in chronological order.",
        "The library opened in 1894, moved to a new building in 1932, and was extended in 1961 and again "
        "in 2004 after a public campaign.",
        WIKI + "Library",
        "1894, 1932, 1961, 2004",
        Status.APPROVED,
    ),
    (
        "bob",
        "information_extraction",
        "Extract the names of the instruments and the players as a list.",
        "The trio formed in 2011: Mia Laine on cello, Tomas Berg on piano and Ada Okafor on violin. They "
        "recorded their first album in a converted church.",
        WIKI + "Piano_trio",
        "- Cello: Mia Laine\n- Piano: Tomas Berg\n- Violin: Ada Okafor",
        Status.SUBMITTED,
    ),
    (
        "carol",
        "information_extraction",
        "What are the opening hours given in the text?",
        "The museum is open from 10:00 to 18:00 from Tuesday to Sunday, with late opening until 21:00 on "
        "Thursdays. It is closed on Mondays.",
        WIKI + "Museum",
        "Tuesday to Sunday 10:00 to 18:00, Thursdays until 21:00; closed on Mondays.",
        Status.REJECTED,
    ),
    (
        "alice",
        "summarization",
        "Summarise the passage in one sentence.",
        "Honeybees communicate the location of food with a 'waggle dance'. The angle of the dance relative "
        "to vertical shows the direction of the food relative to the sun, and the length of the waggle "
        "run shows the distance. Other bees follow the dancer and then fly out to the source.",
        WIKI + "Waggle_dance",
        "Honeybees tell each other where food is by dancing: the angle gives the "
        "direction relative to the sun and the length of the waggle gives the distance.",
        Status.APPROVED,
    ),
    (
        "bob",
        "summarization",
        "Give a short summary for a child.",
        "Volcanoes form where molten rock called magma rises from deep inside the Earth. When pressure "
        "builds up, the magma escapes through openings in the crust as lava, ash and gas. Over many "
        "eruptions the cooled lava can build a mountain.",
        WIKI + "Volcano",
        "A volcano is a place where hot melted rock from inside the Earth comes out. Each time it erupts, "
        "the lava cools and the mountain grows a little.",
        Status.DRAFT,
    ),
    (
        "carol",
        "summarization",
        "Summarise the main argument.",
        "Remote work reduces commuting time and lets companies hire far from their offices. Critics argue "
        "that it weakens mentoring of junior staff and makes spontaneous collaboration rarer, so many "
        "teams now combine office days with remote days.",
        WIKI + "Remote_work",
        "Remote work saves commuting and widens hiring, but can hurt mentoring and spontaneous "
        "collaboration, so many teams mix office and remote days.",
        Status.SUBMITTED,
    ),
    (
        "alice",
        "brainstorming",
        "Suggest names for a book club at work.",
        "",
        "",
        "- Chapter & Verse\n- The Lunch Readers\n- Between the Lines\n- Page Turners Anonymous\n- Spine Club",
        Status.APPROVED,
    ),
    (
        "bob",
        "brainstorming",
        "What can I do with leftover rice?",
        "",
        "",
        "Fried rice with vegetables and egg; rice pudding with milk, sugar and cinnamon; stuffed peppers; "
        "arancini balls; a rice salad with beans and herbs.",
        Status.SUBMITTED,
    ),
    (
        "carol",
        "brainstorming",
        "Give me ideas to make onboarding week less overwhelming.",
        "",
        "",
        "Pair each newcomer with a buddy, spread the tool set-up over several days, give a one-page map of "
        "who does what, schedule one small real task to finish by Friday, and leave free time to read.",
        Status.CHANGES_REQUESTED,
    ),
    (
        "alice",
        "classification",
        "Classify these as mammals or birds: bat, penguin, dolphin, ostrich.",
        "",
        "",
        "Mammals: bat, dolphin. Birds: penguin, ostrich.",
        Status.APPROVED,
    ),
    (
        "bob",
        "classification",
        "Is each of these a renewable or non-renewable energy source: coal, wind, natural gas, solar?",
        "",
        "",
        "Renewable: wind, solar. Non-renewable: coal, natural gas.",
        Status.APPROVED,
    ),
    (
        "carol",
        "classification",
        "Sort into odd and even: 3, 8, 15, 22, 41.",
        "",
        "",
        "Odd: 3, 15, 41. Even: 8, 22.",
        Status.DRAFT,
    ),
    (
        "alice",
        "creative_writing",
        "Write a haiku about a server room at night.",
        "",
        "",
        "Blue lights blink in rows\nfans hum a steady cold wind\nthe data dreams on",
        Status.SUBMITTED,
    ),
    (
        "bob",
        "creative_writing",
        "Write a two-sentence story that ends with a surprise.",
        "",
        "",
        "For forty years the lighthouse keeper sent a letter every week to the mainland. On the day he "
        "retired, the postman finally admitted he had been writing back.",
        Status.APPROVED,
    ),
    (
        "carol",
        "creative_writing",
        "Write a short thank-you note to a colleague who covered for me.",
        "",
        "",
        "Thank you for stepping in last week. You kept everything on track and made my return easy; the "
        "next coffee is on me.",
        Status.REJECTED,
    ),
    (
        "alice",
        "general_qa",
        "How do I write a good commit message?",
        "",
        "",
        'Start with a short summary line in the imperative ("Fix login redirect"), leave a blank line, '
        "then explain why the change was needed and anything surprising about how it works.",
        Status.APPROVED,
    ),
    (
        "bob",
        "general_qa",
        "What should I bring to my first day at a new job?",
        "",
        "",
        "Your identity documents and bank details for the paperwork, a notebook, any equipment you were "
        "asked to bring, and a few questions about the team's priorities.",
        Status.SUBMITTED,
    ),
    (
        "carol",
        "general_qa",
        "How can I make a long meeting more productive?",
        "",
        "",
        "Send an agenda with the decisions to be made, invite only the people needed, take a short break "
        "every hour, and end by writing down owners and dates for each action.",
        Status.APPROVED,
    ),
    (
        "bob",
        "brainstorming",
        "Ideas for a rainy weekend with kids?",
        "",
        "",
        "Build a blanket fort, bake and decorate biscuits, hold an indoor treasure hunt, put on a puppet "
        "show, or visit the local museum.",
        Status.DRAFT,
    ),
]


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
