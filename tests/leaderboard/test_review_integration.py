"""Points follow the real review services: approve, reject, reopen, double review, open instructions."""

import pytest

from annotations import services as demonstration_services
from annotations.models import Category, Status
from leaderboard import services
from leaderboard.models import CategoryProgress, PointEntry, Reason, Standing
from open_instructions.services import open_instruction_answer, open_instruction_create
from review import services as review
from review.exceptions import AlreadyDecided
from tests.factories import AdminFactory, ReviewerFactory, UserFactory

from .conftest import make_contest

pytestmark = pytest.mark.django_db

RESPONSE = "Rivers carry dissolved minerals into the sea, and evaporation leaves the salt behind."


def write(author, instruction="Why is the sea salty, and why are rivers not?"):
    demonstration, _created = demonstration_services.demonstration_create(
        author=author,
        category=Category.objects.get(key="open_qa"),
        instruction=instruction,
        response=RESPONSE,
        submit=True,
    )
    return demonstration


def points(contest, user):
    return Standing.objects.filter(contest=contest, user=user).values_list("points", flat=True).first()


def test_approval_awards_points_with_the_rating_and_pays_the_reviewer(user):
    contest = make_contest(rating_bonus=2, review_points=1)
    rita = ReviewerFactory(username="rita")
    demonstration = write(user)
    review.review_approve(demonstration=demonstration, reviewer=rita, rating=5)
    assert points(contest, user) == 14
    assert points(contest, rita) == 1
    entry = PointEntry.objects.get(user=user, contest=contest)
    assert entry.reason == Reason.APPROVAL and entry.demonstration_id == demonstration.pk
    assert services.standings_differences() == []


def test_rejection_and_request_for_changes_award_nothing_to_the_author(user):
    contest = make_contest(review_points=1)
    rita = ReviewerFactory(username="rita")
    review.review_reject(demonstration=write(user, "First question about the sea?"), reviewer=rita, reason="off_topic")
    review.review_request_changes(
        demonstration=write(user, "Second question about rivers?"), reviewer=rita, reason="too_short"
    )
    assert points(contest, user) is None
    assert points(contest, rita) == 2


def test_reopen_reverses_and_a_second_approval_awards_again(user):
    contest = make_contest()
    ada = AdminFactory(username="ada")
    rita, rob = ReviewerFactory(username="rita"), ReviewerFactory(username="rob")
    demonstration = write(user)
    review.review_approve(demonstration=demonstration, reviewer=rita)
    review.review_reopen(demonstration=demonstration, actor=ada)
    assert points(contest, user) == 0
    assert CategoryProgress.objects.get(contest=contest).approved == 0
    review.review_reject(demonstration=demonstration, reviewer=rob, reason="factually_wrong")
    assert points(contest, user) == 0
    entries = PointEntry.objects.filter(user=user, contest=contest).order_by("id")
    assert list(entries.values_list("reason", "points")) == [
        (Reason.APPROVAL, 10),
        (Reason.APPROVAL_REVERSED, -10),
    ]
    assert services.standings_differences() == []


def test_reopened_then_approved_again(user):
    contest = make_contest()
    ada = AdminFactory(username="ada")
    demonstration = write(user)
    review.review_approve(demonstration=demonstration, reviewer=ReviewerFactory(username="rita"))
    review.review_reopen(demonstration=demonstration, actor=ada)
    review.review_approve(demonstration=demonstration, reviewer=ReviewerFactory(username="rob"))
    assert points(contest, user) == 10
    assert PointEntry.objects.filter(user=user, contest=contest, reason=Reason.APPROVAL).count() == 2


def test_a_refused_second_decision_awards_nothing_more(user):
    contest = make_contest()
    demonstration = write(user)
    review.review_approve(demonstration=demonstration, reviewer=ReviewerFactory(username="rita"))
    with pytest.raises(AlreadyDecided):
        review.review_approve(demonstration=demonstration, reviewer=ReviewerFactory(username="rob"))
    assert points(contest, user) == 10


def test_double_review_awards_only_when_the_round_is_approved(user):
    contest = make_contest()
    Category.objects.filter(key="open_qa").update(required_approvals=2)
    demonstration = write(user)
    review.review_approve(demonstration=demonstration, reviewer=ReviewerFactory(username="rita"), rating=4)
    assert points(contest, user) is None
    review.review_approve(demonstration=demonstration, reviewer=ReviewerFactory(username="rob"), rating=4)
    assert points(contest, user) == 10
    demonstration.refresh_from_db()
    assert demonstration.status == Status.APPROVED


def test_answering_an_open_instruction_earns_the_bonus(user):
    contest = make_contest(open_instruction_bonus=5)
    poser = UserFactory(username="poser")
    posed = open_instruction_create(
        author=poser, category=Category.objects.get(key="open_qa"), instruction="What makes the sea salty?"
    )
    answer = open_instruction_answer(open_instruction=posed, answerer=user, response=RESPONSE)
    review.review_approve(demonstration=answer, reviewer=ReviewerFactory(username="rita"))
    assert points(contest, user) == 15
    steps = PointEntry.objects.get(user=user, contest=contest).explanation["steps"]
    assert {"code": "open_instruction_bonus", "points": 5} in steps
    assert points(contest, poser) is None


def test_an_exact_duplicate_flagged_on_submit_earns_nothing(user):
    contest = make_contest()
    rita = ReviewerFactory(username="rita")
    original = write(user)
    review.review_approve(demonstration=original, reviewer=rita)
    copy = write(UserFactory(username="copier"))
    assert copy.flags.filter(kind="exact_duplicate").exists()
    review.review_approve(demonstration=copy, reviewer=rita)
    assert points(contest, copy.author) == 0
    assert PointEntry.objects.get(user=copy.author, contest=contest).explanation["steps"][0]["code"] == "duplicate"
