"""The explicit hooks through which a lower app reaches receivers that a higher app connected."""

import pytest

from annotations import hooks as annotation_hooks
from core.hooks import Hook, Provider
from leaderboard import services as leaderboard_services
from review import hooks as review_hooks


def test_receivers_run_in_order_once_each_and_a_raise_stops_the_caller():
    hook = Hook("test")
    calls = []

    def first(value, *, extra):
        calls.append(("first", value, extra))

    def refuse(value, *, extra):
        raise ValueError(value)

    hook.connect(first)
    hook.connect(first)
    hook(1, extra="x")
    assert calls == [("first", 1, "x")]
    hook.connect(refuse)
    with pytest.raises(ValueError):
        hook(2, extra="y")
    assert calls == [("first", 1, "x"), ("first", 2, "y")]
    hook.disconnect(refuse)
    assert hook.receivers == (first,)


def test_a_provider_answers_with_its_default_until_a_function_is_provided():
    provider = Provider("test", default=lambda slug: None)
    assert provider("spring") is None
    provider.provide(lambda slug: slug.upper())
    assert provider("spring") == "SPRING"


def test_leaderboard_connects_its_points_and_its_submission_limit():
    assert leaderboard_services.check_submission_rate in annotation_hooks.before_submit.receivers
    assert leaderboard_services.on_demonstration_approved in review_hooks.approval_granted.receivers
    assert leaderboard_services.on_review_recorded in review_hooks.review_recorded.receivers
    assert len(review_hooks.approval_reversed.receivers) == 1
