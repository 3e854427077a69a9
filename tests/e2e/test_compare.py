"""A reviewer compares a flagged record with the one it resembles, by keyboard, and rejects it as a duplicate."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from annotations.models import Demonstration, Review, Status
from review import services
from tests.factories import ReviewerFactory, UserFactory
from tests.review.conftest import submit

from .helpers import axe_violations, screenshot

ORIGINAL = "Why is the sky blue on a clear day in the middle of summer?"
RESEMBLING = "Why is the sky blue on a bright clear day in the middle of summer?"


def _pair():
    original = submit(UserFactory(username="bob"), instruction=ORIGINAL, response="Blue light scatters most in air.")
    flagged = submit(UserFactory(username="alice"), instruction=RESEMBLING, response="Air scatters blue light most.")
    return original, flagged


def test_compare_by_keyboard_reject_as_duplicate_and_undo(page, url, sign_in):
    original, flagged = _pair()
    rita = ReviewerFactory(username="rita")
    sign_in(page, rita)
    # The first item is skipped so the flagged one is on screen, with a filter to keep.
    page.goto(url("/review/?category=open_qa"))
    expect(page.locator(".review-item")).to_contain_text(original.instruction)
    page.keyboard.press("s")
    expect(page.locator(".review-item")).to_contain_text(flagged.instruction)
    expect(page.locator(".shortcuts")).to_contain_text("compare with the duplicate")
    screenshot(page, "review-queue-duplicate")

    page.keyboard.press("d")
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare duplicates")
    assert "category=open_qa" in page.url
    expect(page.locator("#flagged-heading")).to_contain_text("This record")
    expect(page.locator("#other-heading")).to_contain_text("The record it resembles")
    expect(page.locator(".compared ins").first).to_be_visible()
    expect(page.locator(".compared del").first).to_be_visible()
    assert axe_violations(page) == []
    screenshot(page, "compare-duplicates")

    # Escape goes back to the queue, filters kept; d opens the comparison again.
    page.keyboard.press("Escape")
    expect(page.locator(".review-item")).to_contain_text(flagged.instruction)
    assert page.url.endswith("/review/?category=open_qa")
    page.keyboard.press("d")
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare duplicates")

    # r arms the rejection, Escape disarms it (and stays), r then Enter sends it.
    page.keyboard.press("r")
    expect(page.locator("#duplicate-hint")).to_be_visible()
    expect(page.locator("#reject-duplicate")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#duplicate-hint")).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare duplicates")
    assert not Review.objects.filter(demonstration=flagged).exists()
    page.keyboard.press("r")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Recorded: Reject")).to_be_visible()
    assert page.url.endswith("/review/?category=open_qa")
    review = Review.objects.get(demonstration=flagged)
    assert (review.decision, review.reason) == ("reject", "duplicate")

    # The queue's undo takes it back.
    page.keyboard.press("u")
    expect(page.get_by_text("Decision undone")).to_be_visible()
    assert Demonstration.objects.get(pk=flagged.pk).status == Status.SUBMITTED

    # The correction page keeps the flags, the way to the comparison and the guidelines in view.
    page.keyboard.press("e")
    expect(page.get_by_role("heading", level=1)).to_have_text("Correct a submission")
    expect(page.locator(".flag-near_duplicate")).to_be_visible()
    expect(page.get_by_role("link", name="Compare side by side")).to_be_visible()
    expect(page.get_by_role("complementary", name="Guidelines")).to_contain_text("Guidelines: Open QA")
    assert axe_violations(page) == []
    screenshot(page, "review-edit-with-flags")


def test_a_decision_made_elsewhere_meanwhile_is_explained(page, url, sign_in):
    original, flagged = _pair()
    sign_in(page, ReviewerFactory(username="rita"))
    page.goto(url(f"/review/{flagged.public_id}/compare/?with={original.public_id}"))
    services.review_approve(demonstration=flagged, reviewer=ReviewerFactory(username="sam"))
    page.get_by_role("button", name="Reject as duplicate").click()
    expect(page.get_by_role("alert")).to_contain_text("already decided")
    expect(page.get_by_role("button", name="Reject as duplicate")).to_have_count(0)
    assert Demonstration.objects.get(pk=flagged.pk).status == Status.APPROVED


@pytest.mark.parametrize("language", ["en", "fr"])
def test_keyboard_hints_of_the_comparison_are_hidden_on_a_touch_screen(browser, url, sign_in, live_server, language):
    original, flagged = _pair()
    rita = ReviewerFactory(username="rita")
    touch = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    try:
        touch.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
        page = sign_in(touch.new_page(), rita)
        page.goto(url(f"/review/{flagged.public_id}/compare/"))
        expect(page.locator("#reject-duplicate")).to_be_visible()
        assert page.locator(".shortcuts").is_hidden()
        assert page.locator("#reject-duplicate kbd").is_hidden()
    finally:
        touch.close()
