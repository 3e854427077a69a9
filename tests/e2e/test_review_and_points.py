"""A reviewer works the queue with the keyboard; the author's points and rank follow."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from annotations import services
from annotations.models import Category, Demonstration, Origin, Review, Status
from leaderboard.services import contests as contest_services
from review import services as review_services
from tests.factories import ReviewerFactory, UserFactory, category

from .helpers import screenshot


def _submit(author, instruction, response):
    demonstration, _ = services.demonstration_create(
        author=author,
        category=category("open_qa"),
        instruction=instruction,
        response=response,
        origin=Origin.WEB,
        submit=True,
    )
    return demonstration


def test_keyboard_approvals_give_points_and_a_rank(page, url, sign_in):
    now = timezone.now()
    contest_services.contest_create(
        categories=list(Category.objects.filter(key__in=["open_qa", "closed_qa"])),
        name="Spring sprint",
        slug="spring",
        starts_at=now - datetime.timedelta(days=1),
        ends_at=now + datetime.timedelta(days=7),
        base_points=10,
        rating_bonus=2,
    )
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    _submit(alice, "Why is the sea salty?", "Rivers carry dissolved minerals to the sea and evaporation leaves salt.")
    _submit(alice, "Why do leaves turn red?", "Chlorophyll breaks down in autumn and red anthocyanins show through.")
    _submit(bob, "What is a fjord?", "A long, narrow inlet of the sea between high cliffs, carved by a glacier.")

    sign_in(page, ReviewerFactory(username="rita"))
    page.goto(url("/review/"))
    for _ in range(3):
        item = page.locator("#item-heading")
        expect(item).to_be_visible()
        screenshot(page, "review-queue")
        instruction = page.locator(".review-item dd.text").first.inner_text()
        author_is_alice = "sea salty" in instruction or "leaves" in instruction
        page.keyboard.press("5" if author_is_alice else "3")
        expect(page.locator("input[name=rating]:checked")).to_have_value("5" if author_is_alice else "3")
        page.keyboard.press("a")
        page.wait_for_load_state()
        expect(page.get_by_text(instruction, exact=True)).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert Demonstration.objects.filter(status=Status.APPROVED).count() == 3
    assert sorted(Review.objects.values_list("rating", flat=True)) == [3, 5, 5]

    page.context.clear_cookies()
    sign_in(page, alice)
    page.goto(url("/contests/spring/leaderboard/"))
    rows = page.locator("table.board tbody tr")
    expect(rows.nth(0)).to_contain_text("alice")
    expect(rows.nth(0).locator("td").nth(0)).to_have_text("1")
    expect(rows.nth(0).locator("td").nth(2)).to_have_text("28")
    expect(rows.nth(1)).to_contain_text("bob")
    expect(rows.nth(1).locator("td").nth(2)).to_have_text("10")
    screenshot(page, "leaderboard")

    page.get_by_role("link", name="My dashboard").click()
    points = page.locator("section", has=page.get_by_role("heading", name="Your points over time"))
    expect(points.locator("[data-chart-src]")).to_have_attribute("data-chart-drawn", "true")
    # All time: alice's 28 contest points on top of the standard 10 of each of her two approvals.
    expect(points.locator("tbody tr").last.locator("td").last).to_have_text("48")


def test_points_pages_draw_their_charts_in_english_and_french_on_phone_and_desktop(page, url, sign_in):
    now = timezone.now()
    contest_services.contest_create(
        categories=list(Category.objects.filter(key__in=["open_qa", "closed_qa"])),
        name="Autumn sprint",
        slug="autumn",
        starts_at=now - datetime.timedelta(days=1),
        ends_at=now + datetime.timedelta(days=13, hours=2),
        time_zone="Europe/Paris",
        category_multipliers={"closed_qa": "1.5"},
        category_targets={"open_qa": 4},
    )
    alice, rita = UserFactory(username="alice"), ReviewerFactory(username="rita")
    for question in ("Why is the sea salty?", "What is a fjord?"):
        demonstration = _submit(alice, question, "A plain answer of a reasonable length, written for the test.")
        review_services.review_approve(demonstration=demonstration, reviewer=rita)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, alice)
    for language in ("en", "fr"):
        page.context.add_cookies([{"name": "django_language", "value": language, "url": url("/")}])
        for width in (390, 1366):
            page.set_viewport_size({"width": width, "height": 900})
            for path, name in (
                ("/me/points/", "my-points"),
                ("/contests/autumn/", "contest"),
                ("/leaderboard/", "board"),
            ):
                page.goto(url(path))
                if name != "board":
                    expect(page.locator("[data-chart-data]")).to_have_attribute("data-chart-drawn", "true")
                assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (path, width)
                screenshot(page, f"points-{name}-{language}-{width}")
        page.goto(url("/contests/autumn/"))
        expect(page.locator(".countdown").first).to_contain_text("jours" if language == "fr" else "days")
    assert not errors, errors
