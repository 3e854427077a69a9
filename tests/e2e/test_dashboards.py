"""Dashboards in the browser: every chart is drawn from its JSON, and the tables stay reachable."""

from playwright.sync_api import expect

from annotations import services
from annotations.models import Origin
from review import services as review_services
from tests.factories import AdminFactory, ReviewerFactory, UserFactory, category

from .helpers import screenshot


def _some_activity():
    rita = ReviewerFactory(username="rita")
    for index, name in enumerate(["ann", "bob", "cleo"]):
        author = UserFactory(username=name)
        for key in ["open_qa", "brainstorming", "classification"][: index + 1]:
            demonstration, _ = services.demonstration_create(
                author=author,
                category=category(key),
                instruction=f"{name} asks about {key}: why?",
                response="Because it is explained here in a sentence that is long enough. " * (index + 1),
                origin=Origin.WEB,
                submit=True,
            )
            if key != "classification":
                review_services.review_approve(demonstration=demonstration, reviewer=rita)
    return rita


def test_the_admin_dashboard_draws_every_chart(page, url, sign_in):
    _some_activity()
    sign_in(page, AdminFactory(username="ada"))
    page.goto(url("/dashboard/?days=7"))
    boxes = page.locator("[data-chart-src]")
    expect(boxes.first).to_have_attribute("data-chart-drawn", "true")
    for index in range(boxes.count()):
        expect(boxes.nth(index)).to_have_attribute("data-chart-drawn", "true")
        expect(boxes.nth(index)).to_be_visible()
    expect(page.get_by_role("heading", name="Demonstrations written per day")).to_be_visible()
    funnel = page.locator("section", has=page.get_by_role("heading", name="From written to approved"))
    funnel.get_by_text("Table of the figures").click()
    expect(funnel.get_by_role("row", name="Approved")).to_contain_text("5")
    screenshot(page, "dashboard-admin")


def test_a_contributor_sees_their_own_dashboard_and_what_to_write_next(page, url, sign_in):
    _some_activity()
    sign_in(page, UserFactory(username="cleo"))
    page.goto(url("/"))
    page.get_by_role("link", name="My dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My dashboard")
    expect(page.locator("[data-chart-src]").first).to_have_attribute("data-chart-drawn", "true")
    expect(page.locator(".suggestion")).to_contain_text("Closed QA has the fewest demonstrations so far (0")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "dashboard-mine-phone")
