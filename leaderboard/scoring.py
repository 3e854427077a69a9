"""How many points something is worth: pure functions, no database.

Each function returns a ``Score``: the integer points and an explanation, a JSON-ready dict
whose ``steps`` say how the number was reached.  The explanation is stored with the ledger
entry and shown to the contributor (see ``explain.describe``), so the codes and keys here are
a stored format: add new ones, never rename old ones.

The order of an approval's computation:

1. base points × the category multiplier × the balance multiplier,
2. plus the flat bonuses (reviewer's rating, answering an open instruction),
3. rounded half up to a whole number,
4. cut to what the daily cap still allows.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

EXPLANATION_VERSION = 1
ONE = Decimal(1)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Rules:
    """The scoring rules of one contest, as plain values (see ``Rules.of``)."""

    base_points: int = 10
    category_multipliers: dict = field(default_factory=dict)
    rating_bonus: int = 0
    open_instruction_bonus: int = 0
    review_points: int = 0
    daily_cap: int | None = None
    balance_bonus: bool = False
    balance_max_multiplier: Decimal = Decimal(2)
    category_targets: dict = field(default_factory=dict)

    @classmethod
    def of(cls, contest):
        return cls(
            base_points=contest.base_points,
            category_multipliers=dict(contest.category_multipliers or {}),
            rating_bonus=contest.rating_bonus,
            open_instruction_bonus=contest.open_instruction_bonus,
            review_points=contest.review_points,
            daily_cap=contest.daily_cap,
            balance_bonus=contest.balance_bonus,
            balance_max_multiplier=Decimal(contest.balance_max_multiplier),
            category_targets=dict(contest.category_targets or {}),
        )

    def multiplier_for(self, category_key):
        return to_decimal(self.category_multipliers.get(category_key, ONE))

    def target_for(self, category_key):
        target = self.category_targets.get(category_key)
        return int(target) if target else None


STANDARD_RULES = Rules()  # what every approval earns on the all-time board, contest or not


@dataclass(frozen=True)
class Score:
    points: int
    explanation: dict


def to_decimal(value):
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"Not a number: {value!r}") from exc


def _text(value):
    """Decimals are stored as strings: JSON has no exact decimal type."""
    return format(value.normalize(), "f") if isinstance(value, Decimal) else value


def balance_multiplier(*, target, approved_before, max_multiplier):
    """``max_multiplier`` for an empty category, shrinking linearly to 1 when the target is met.

    >>> balance_multiplier(target=10, approved_before=5, max_multiplier=Decimal(2))
    Decimal('1.50')
    """
    if not target or approved_before >= target:
        return ONE.quantize(CENT)
    missing = Decimal(target - max(approved_before, 0)) / Decimal(target)
    return (ONE + (to_decimal(max_multiplier) - ONE) * missing).quantize(CENT, rounding=ROUND_HALF_UP)


def rating_bonus_points(*, rating, bonus_per_star):
    if rating is None or bonus_per_star <= 0:
        return 0
    return max(int(rating) - 3, 0) * bonus_per_star


def _apply_cap(points, steps, *, daily_cap, used_today):
    if daily_cap is None or points <= 0:
        return points
    room = max(daily_cap - used_today, 0)
    if points <= room:
        return points
    steps.append({"code": "daily_cap", "cap": daily_cap, "used": used_today, "points": room})
    return room


def _apply_balance(value, steps, rules, *, category_key, approved_before):
    target = rules.target_for(category_key)
    if not (rules.balance_bonus and target):
        return value
    balance = balance_multiplier(
        target=target, approved_before=approved_before, max_multiplier=rules.balance_max_multiplier
    )
    steps.append(
        {
            "code": "balance",
            "category": category_key,
            "target": target,
            "approved_before": approved_before,
            "multiplier": _text(balance),
        }
    )
    return value * balance


def _finish(points, steps, **extra):
    return Score(points, {"v": EXPLANATION_VERSION, "steps": steps, "points": points, **extra})


def score_approval(
    rules,
    *,
    category_key,
    approved_before=0,
    rating=None,
    answered_open_instruction=False,
    used_today=0,
    duplicate_of=None,
    disqualified=False,
    counted_late=False,
):
    """Points for one approved demonstration.

    ``approved_before`` is the number of approved demonstrations of the category that already
    count in the contest (not this one); ``used_today`` the points the person already earned
    on the same contest day; ``duplicate_of`` a description of the flag when the demonstration
    was flagged as a (near) duplicate; ``counted_late`` that it was approved before the
    contest existed (or before it counted that category or time), and is counted now.
    """
    late = [{"code": "counted_late"}] if counted_late else []
    if disqualified:
        return _finish(0, [*late, {"code": "disqualified"}])
    if duplicate_of is not None:
        return _finish(0, [*late, {"code": "duplicate", "flag": duplicate_of}])

    steps = [*late, {"code": "base", "points": rules.base_points}]
    value = Decimal(rules.base_points)
    multiplier = rules.multiplier_for(category_key)
    if multiplier != ONE:
        value *= multiplier
        steps.append({"code": "category_multiplier", "category": category_key, "multiplier": _text(multiplier)})
    value = _apply_balance(value, steps, rules, category_key=category_key, approved_before=approved_before)
    bonus = rating_bonus_points(rating=rating, bonus_per_star=rules.rating_bonus)
    if bonus:
        value += bonus
        steps.append({"code": "rating_bonus", "rating": int(rating), "points": bonus})
    if answered_open_instruction and rules.open_instruction_bonus:
        value += rules.open_instruction_bonus
        steps.append({"code": "open_instruction_bonus", "points": rules.open_instruction_bonus})
    points = int(value.quantize(ONE, rounding=ROUND_HALF_UP))
    if value != points:
        steps.append({"code": "rounded", "from": _text(value), "points": points})
    points = _apply_cap(points, steps, daily_cap=rules.daily_cap, used_today=used_today)
    return _finish(points, steps)


def score_review(rules, *, used_today=0, disqualified=False):
    """Points a reviewer earns for one review in a contest that pays for reviews."""
    if disqualified:
        return _finish(0, [{"code": "disqualified"}])
    steps = [{"code": "review", "points": rules.review_points}]
    points = _apply_cap(rules.review_points, steps, daily_cap=rules.daily_cap, used_today=used_today)
    return _finish(points, steps)


def score_reversal(*, net_points, cause):
    """The opposite of what a demonstration still holds in a contest (0 if already voided)."""
    return _finish(-net_points, [{"code": cause, "points": -net_points}])


def score_void(*, net_points, reason):
    return _finish(-net_points, [{"code": "disqualified", "reason": reason, "points": -net_points}])
