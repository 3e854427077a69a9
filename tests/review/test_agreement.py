"""Agreement figures against a hand-computed example."""

import pytest

from annotations.models import Category
from review import selectors, services
from tests.factories import ReviewerFactory

from .conftest import submit

# Ten items, each decided independently by two reviewers (A approve, R reject, C request changes):
#   (A,A) x4, (R,R) x2, (C,C) x1, (A,R) x1, (R,A) x1, (A,C) x1
# agreement = 7/10 = 70 %
# first reviewer marginals  A 6, R 3, C 1;  second reviewer marginals  A 5, R 3, C 2
# p_e = (6*5 + 3*3 + 1*2) / 100 = 0.41
# kappa = (0.70 - 0.41) / (1 - 0.41) = 0.29 / 0.59 = 0.491525...
PAIRS = (
    [("approve", "approve")] * 4
    + [("reject", "reject")] * 2
    + [("request_changes", "request_changes")]
    + [("approve", "reject"), ("reject", "approve"), ("approve", "request_changes")]
)


def test_formula_on_the_hand_computed_example():
    figures = selectors.agreement_from_pairs(PAIRS)
    assert figures.items == 10 and figures.agreed == 7
    assert figures.percent == pytest.approx(70.0)
    assert figures.kappa == pytest.approx(0.29 / 0.59)
    assert figures.labels == ("approve", "reject", "request_changes")
    assert figures.table == ((4, 1, 1), (1, 2, 0), (0, 0, 1))


def test_edge_cases():
    assert selectors.agreement_from_pairs([]).kappa is None
    same = selectors.agreement_from_pairs([("approve", "approve")] * 3)
    assert same.percent == 100 and same.kappa is None
    opposite = selectors.agreement_from_pairs([("approve", "reject"), ("reject", "approve")])
    assert opposite.percent == 0 and opposite.kappa == pytest.approx(-1.0)


@pytest.mark.django_db
def test_figures_from_real_reviews(user, reviewer, second_reviewer):
    Category.objects.filter(key="open_qa").update(required_approvals=2)
    for i, (first, second) in enumerate(PAIRS):
        item = submit(user, instruction=f"Question {i}: which planet has the most moons, and why?")
        services.review_decide(decision=first, demonstration=item, reviewer=reviewer, reason="other")
        services.review_decide(decision=second, demonstration=item, reviewer=second_reviewer, reason="other")
    single = submit(
        user,
        key="brainstorming",
        instruction="Ideas for naming a cat?",
        response="Pixel, Miso, Captain Whiskers, Biscuit, Juniper, Nimbus and Pepper.",
    )
    services.review_approve(demonstration=single, reviewer=reviewer)
    third = ReviewerFactory(username="tess")
    extra = submit(user, instruction="A question reviewed three times: why do cats purr so much?")
    Category.objects.filter(key="open_qa").update(required_approvals=3)
    services.review_approve(demonstration=extra, reviewer=reviewer)
    services.review_approve(demonstration=extra, reviewer=second_reviewer)
    services.review_reject(demonstration=extra, reviewer=third, reason="off_topic")

    figures = selectors.reviewer_agreement()
    assert figures.items == 11
    assert figures.agreed == 8
    open_qa = Category.objects.get(key="open_qa")
    assert selectors.reviewer_agreement(category_id=open_qa.pk).items == 11
    brainstorming = Category.objects.get(key="brainstorming")
    assert selectors.reviewer_agreement(category_id=brainstorming.pk).items == 0


@pytest.mark.django_db
def test_only_the_exact_example_gives_the_hand_computed_kappa(user, reviewer, second_reviewer):
    Category.objects.filter(key="open_qa").update(required_approvals=2)
    for i, (first, second) in enumerate(PAIRS):
        item = submit(user, instruction=f"Question {i}: how far away is the moon, roughly?")
        services.review_decide(decision=first, demonstration=item, reviewer=reviewer, reason="other")
        services.review_decide(decision=second, demonstration=item, reviewer=second_reviewer, reason="other")
    figures = selectors.reviewer_agreement()
    assert (figures.items, figures.agreed) == (10, 7)
    assert figures.percent == pytest.approx(70.0)
    assert figures.kappa == pytest.approx(0.491525, abs=1e-6)
