"""The scoring rules on hand-computed examples (no database)."""

from decimal import Decimal

import pytest

from leaderboard.scoring import Rules, balance_multiplier, score_approval, score_reversal, score_review


def codes(score):
    return [step["code"] for step in score.explanation["steps"]]


def test_base_points_only():
    score = score_approval(Rules(base_points=10), category_key="open_qa")
    assert score.points == 10
    assert score.explanation["points"] == 10
    assert codes(score) == ["base"]


def test_category_multiplier_and_rounding_half_up():
    rules = Rules(base_points=10, category_multipliers={"closed_qa": "1.25"})
    # 10 × 1.25 = 12.5 → 13 (half up, not banker's 12)
    score = score_approval(rules, category_key="closed_qa")
    assert score.points == 13
    assert codes(score) == ["base", "category_multiplier", "rounded"]
    assert score.explanation["steps"][2] == {"code": "rounded", "from": "12.5", "points": 13}
    assert score_approval(rules, category_key="open_qa").points == 10


@pytest.mark.parametrize(
    ("approved_before", "multiplier", "points"),
    [
        (0, "2.00", 20),  # empty category: the full bonus
        (1, "1.90", 19),
        (5, "1.50", 15),  # half full: half the bonus
        (9, "1.10", 11),
        (10, "1.00", 10),  # target met: no bonus
        (25, "1.00", 10),  # beyond the target: still none, never below 1
    ],
)
def test_balance_bonus_shrinks_as_the_target_fills(approved_before, multiplier, points):
    rules = Rules(
        base_points=10, balance_bonus=True, balance_max_multiplier=Decimal(2), category_targets={"summarization": 10}
    )
    score = score_approval(rules, category_key="summarization", approved_before=approved_before)
    assert score.points == points
    balance = next(s for s in score.explanation["steps"] if s["code"] == "balance")
    assert Decimal(balance["multiplier"]) == Decimal(multiplier)
    assert balance["approved_before"] == approved_before and balance["target"] == 10


def test_balance_bonus_off_or_without_target_changes_nothing():
    assert (
        score_approval(Rules(category_targets={"open_qa": 10}), category_key="open_qa", approved_before=0).points == 10
    )
    assert score_approval(Rules(balance_bonus=True), category_key="open_qa").points == 10


def test_balance_multiplier_rounds_to_cents():
    # 1 + 0.5 × (3 - 1) / 3 = 1.333… → 1.33
    assert balance_multiplier(target=3, approved_before=1, max_multiplier=Decimal("1.5")) == Decimal("1.33")


def test_everything_together_is_the_37_points_example():
    """10 base × 1.5 (closed_qa) × 1.8 (2 of 10 wanted) = 27, + 2×3 (5 stars) + 4 (open instruction) = 37."""
    rules = Rules(
        base_points=10,
        category_multipliers={"closed_qa": "1.5"},
        rating_bonus=3,
        open_instruction_bonus=4,
        balance_bonus=True,
        balance_max_multiplier=Decimal(2),
        category_targets={"closed_qa": 10},
    )
    score = score_approval(rules, category_key="closed_qa", approved_before=2, rating=5, answered_open_instruction=True)
    assert score.points == 37
    assert codes(score) == ["base", "category_multiplier", "balance", "rating_bonus", "open_instruction_bonus"]


@pytest.mark.parametrize(("rating", "bonus"), [(None, 0), (1, 0), (3, 0), (4, 3), (5, 6)])
def test_rating_bonus_counts_stars_above_three(rating, bonus):
    assert (
        score_approval(Rules(base_points=10, rating_bonus=3), category_key="open_qa", rating=rating).points
        == 10 + bonus
    )


def test_daily_cap_cuts_to_what_is_left_and_then_to_zero():
    rules = Rules(base_points=10, daily_cap=25)
    assert score_approval(rules, category_key="open_qa", used_today=10).points == 10
    cut = score_approval(rules, category_key="open_qa", used_today=20)
    assert cut.points == 5
    assert cut.explanation["steps"][-1] == {"code": "daily_cap", "cap": 25, "used": 20, "points": 5}
    assert score_approval(rules, category_key="open_qa", used_today=25).points == 0
    assert score_approval(rules, category_key="open_qa", used_today=40).points == 0


def test_duplicates_and_disqualified_earn_nothing():
    rules = Rules(base_points=10)
    assert score_approval(rules, category_key="open_qa", duplicate_of="near_duplicate").points == 0
    assert score_approval(rules, category_key="open_qa", disqualified=True).points == 0


def test_review_points_and_their_cap():
    rules = Rules(review_points=2, daily_cap=5)
    assert score_review(rules, used_today=0).points == 2
    assert score_review(rules, used_today=4).points == 1
    assert score_review(rules, disqualified=True).points == 0


def test_reversal_is_the_opposite():
    score = score_reversal(net_points=37, cause="approval_reversed")
    assert score.points == -37
    assert score_reversal(net_points=0, cause="approval_reversed").points == 0
