"""A reviewer works the queue with the keyboard in a real browser."""

import re

from playwright.sync_api import expect

from annotations.models import Demonstration, Review, Status
from tests.factories import ReviewerFactory, UserFactory
from tests.review.conftest import submit

from .helpers import axe_violations, screenshot


def make_queue(author):
    return [
        submit(
            author,
            instruction=f"Queue item {i}: why do leaves change colour in autumn?",
            response=f"Chlorophyll breaks down as days shorten ({i}), so yellow and red pigments show.",
        )
        for i in range(4)
    ]


def test_keyboard_approve_reject_skip_and_edit(page, url, sign_in):
    author = UserFactory(username="alice")
    first, second, third, fourth = make_queue(author)
    sign_in(page, ReviewerFactory(username="rita"))
    page.goto(url("/review/"))
    expect(page.locator(".review-item")).to_contain_text(first.instruction)
    expect(page.get_by_label("Reason")).to_have_value("")
    expect(page.get_by_label("Reason").locator("option").first).to_have_text("Choose a reason…")
    assert axe_violations(page) == []
    screenshot(page, "review-queue")

    page.keyboard.press("4")
    expect(page.locator('input[name="rating"][value="4"]')).to_be_checked()
    page.keyboard.press("a")
    expect(page.get_by_text("Recorded: Approve")).to_be_visible()
    expect(page.get_by_role("button", name="Undo")).to_be_visible()
    expect(page.locator(".review-item")).to_contain_text(second.instruction)
    review = Review.objects.get(demonstration=first)
    assert (review.decision, review.rating) == ("approve", 4)

    # The second item is flagged as a near duplicate of the first: its reason is chosen already.
    expect(page.locator(".flag-near_duplicate")).to_be_visible()
    expect(page.get_by_label("Reason")).to_have_value("duplicate")
    # r puts the keyboard on the reasons; moving through them (Chromium fires "change" on each
    # arrow press) only chooses, and nothing is sent until Enter or r again.
    page.keyboard.press("r")
    expect(page.locator("#reason-hint")).to_be_visible()
    expect(page.get_by_label("Reason")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Reason")).to_have_value("other")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(page.get_by_label("Reason")).to_have_value("personal_data")
    page.wait_for_timeout(300)
    expect(page.locator(".review-item")).to_contain_text(second.instruction)
    assert Demonstration.objects.get(pk=second.pk).status == Status.SUBMITTED
    assert not Review.objects.filter(demonstration=second).exists()
    page.keyboard.press("r")
    expect(page.locator(".review-item")).to_contain_text(third.instruction)
    assert Demonstration.objects.get(pk=second.pk).status == Status.REJECTED
    assert Review.objects.get(demonstration=second).reason == "personal_data"

    # Changed our mind: u takes the rejection back and shows the item again.
    page.keyboard.press("u")
    expect(page.get_by_text("Decision undone")).to_be_visible()
    expect(page.locator(".review-item")).to_contain_text(second.instruction)
    assert Demonstration.objects.get(pk=second.pk).status == Status.SUBMITTED
    assert not Review.objects.filter(demonstration=second).exists()
    page.keyboard.press("r")
    page.get_by_label("Reason").select_option("other")
    assert Demonstration.objects.get(pk=second.pk).status == Status.SUBMITTED
    page.get_by_label("Reason").press("Enter")
    expect(page.get_by_text("Recorded: Reject")).to_be_visible()
    assert Review.objects.get(demonstration=second).reason == "other"

    expect(page.locator(".review-item")).to_contain_text(third.instruction)
    page.keyboard.press("s")
    expect(page.locator(".review-item")).to_contain_text(fourth.instruction)

    page.keyboard.press("e")
    expect(page).to_have_url(re.compile(rf"/review/{fourth.public_id}/edit/"))
    page.get_by_label("Response").fill("Chlorophyll breaks down as the days shorten, revealing other pigments.")
    page.get_by_role("button", name="Save correction").click()
    expect(page.get_by_text("Correction saved.")).to_be_visible()
    page.get_by_label("Comment for the contributor").fill("Shortened the response slightly.")
    page.get_by_label("Reason").select_option("other")
    page.locator("body").click()
    page.keyboard.press("c")
    assert Demonstration.objects.get(pk=fourth.pk).status == Status.SUBMITTED
    page.keyboard.press("c")
    expect(page.get_by_text("Recorded: Request changes")).to_be_visible()
    assert Demonstration.objects.get(pk=fourth.pk).status == Status.CHANGES_REQUESTED


def test_typing_a_comment_does_not_trigger_shortcuts(page, url, sign_in):
    author = UserFactory(username="alice")
    (first, *_rest) = make_queue(author)
    sign_in(page, ReviewerFactory(username="rita"))
    page.goto(url("/review/"))
    page.get_by_label("Comment for the contributor").fill("a r c s e")
    page.get_by_label("Comment for the contributor").press("a")
    expect(page.locator(".review-item")).to_contain_text(first.instruction)
    assert not Review.objects.exists()
