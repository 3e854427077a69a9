"""Every main page of each role, in English and French, on a phone (390 px) and a laptop (1366 px).

Each page must fit its width (nothing scrolls sideways), load without a console error or a
failed request, and pass axe-core without a serious or critical violation.  With
``DOLLY_SCREENSHOTS`` set to a folder (``make screenshots``), the English pages are also
photographed there for the gallery in the README.
"""

import datetime
import json
import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from annotations import services
from annotations.models import Category, Origin
from datasets import services as dataset_services
from datasets.options import ExportOptions
from leaderboard.services import contests as contest_services
from open_instructions import services as open_instruction_services
from review import services as review_services
from tests.factories import AdminFactory, ReviewerFactory, UserFactory, category

from .helpers import axe_violations, screenshot

WIDTHS = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1366, "height": 900}}
GALLERY = os.environ.get("DOLLY_SCREENSHOTS", "")
GALLERY_PAGES = {
    "sign-in",
    "home",
    "write",
    "my-demonstrations",
    "my-dashboard",
    "contest",
    "leaderboard",
    "my-points",
    "open-instructions",
    "review",
    "compare-duplicates",
    "datasets",
    "release",
    "import",
}
LONG_INSTRUCTION = (
    "Using the passage about the Øresund Bridge, explain in two sentences why the designers "
    "chose a combined bridge-and-tunnel crossing instead of a single long bridge"
)


def _write(author, key, instruction, response, *, submit=True, context=""):
    demonstration, _ = services.demonstration_create(
        author=author,
        category=category(key),
        instruction=instruction,
        context=context,
        source_url="https://en.wikipedia.org/wiki/%C3%98resund_Bridge" if context else "",
        response=response,
        origin=Origin.WEB,
        submit=submit,
    )
    return demonstration


def _site():
    """A small site in use: a running contest, points, a queue, a finished release and import."""
    now = timezone.now()
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    rita, ada = ReviewerFactory(username="rita"), AdminFactory(username="ada")
    contest = contest_services.contest_create(
        categories=list(Category.objects.all()),
        name="Winter writing week",
        slug="winter",
        starts_at=now - datetime.timedelta(days=2),
        ends_at=now + datetime.timedelta(days=5),
        base_points=10,
        category_targets={"closed_qa": 20},
    )
    passage = "The Øresund Bridge carries road and rail traffic between Denmark and Sweden. " * 3
    approved = [
        _write(alice, "closed_qa", LONG_INSTRUCTION, "Ships and aircraft needed clear passage.", context=passage),
        _write(alice, "open_qa", "Why do cats purr?", "To communicate and to soothe themselves."),
        _write(bob, "brainstorming", "Give me five names for a bakery.", "Crust Light, Rye Tide, Bun Voyage."),
    ]
    for demonstration in approved:
        review_services.review_approve(demonstration=demonstration, reviewer=rita, rating=4)
    rejected = _write(alice, "classification", "Is a tomato a fruit or a vegetable?", "A fruit.")
    review_services.review_reject(demonstration=rejected, reviewer=rita, reason="off_topic", comment="Too short.")
    _write(alice, "creative_writing", "Write a haiku about the first snow of the year.", "Quiet flakes settle.")
    _write(
        bob, "summarization", "Summarise the passage in one sentence.", "A bridge joins two countries.", context=passage
    )
    _write(alice, "general_qa", "Draft: how do tides work?", "", submit=False)
    # A near duplicate of the haiku above, written later by someone else: the comparison page.
    duplicate = _write(
        bob, "creative_writing", "Write a haiku about the first snow of this year.", "Snow hushes the street."
    )
    pool_item = open_instruction_services.open_instruction_create(
        author=bob, category=category("brainstorming"), instruction="List ten uses for an old umbrella."
    )
    release = dataset_services.release_create(created_by=ada, options=ExportOptions(dedupe=True))
    line = {"instruction": "Who wrote Hamlet?", "context": "", "response": "Shakespeare.", "category": "open_qa"}
    upload = SimpleUploadedFile("hamlet.jsonl", (json.dumps(line) + "\n").encode())
    batch = dataset_services.import_stage(created_by=ada, upload=upload, target_status="approved")
    dataset_services.import_confirm(batch=batch)
    return {
        "users": {"contributor": alice, "reviewer": rita, "admin": ada},
        "contest": contest,
        "demonstration": approved[0],
        "duplicate": duplicate,
        "open_instruction": pool_item,
        "release": release,
        "batch": batch,
    }


def _pages(role, site):
    """(name, path) of the pages ``role`` uses most."""
    if role == "visitor":
        return [("sign-in", "/accounts/login/"), ("sign-up", "/accounts/signup/")]
    contributor = [
        ("home", "/"),
        ("write", "/demonstrations/new/?category=closed_qa"),
        ("my-demonstrations", "/demonstrations/"),
        ("demonstration", f"/demonstrations/{site['demonstration'].public_id}/"),
        ("categories", "/categories/"),
        ("my-dashboard", "/me/dashboard/"),
        ("contests", "/contests/"),
        ("contest", f"/contests/{site['contest'].slug}/"),
        ("leaderboard", f"/contests/{site['contest'].slug}/leaderboard/"),
        ("my-points", "/me/points/"),
        ("open-instructions", "/open-instructions/"),
        ("answer", f"/open-instructions/{site['open_instruction'].public_id}/answer/"),
        ("notifications", "/notifications/"),
    ]
    reviewer = [
        ("review", "/review/"),
        ("compare-duplicates", f"/review/{site['duplicate'].public_id}/compare/"),
        ("reviewer-statistics", "/review/stats/"),
    ]
    admin = [
        ("dashboard", "/dashboard/"),
        ("datasets", "/datasets/"),
        ("release", f"/datasets/{site['release'].public_id}/"),
        ("new-release", "/datasets/new/"),
        ("imports", "/datasets/imports/"),
        ("import", f"/datasets/imports/{site['batch'].public_id}/"),
    ]
    return {"contributor": contributor, "reviewer": reviewer, "admin": admin}[role]


class Watch:
    """Console errors, uncaught exceptions and failed requests of a page, as readable strings."""

    def __init__(self, page, base):
        self.problems = []
        page.on("console", lambda msg: msg.type == "error" and self.problems.append(f"console: {msg.text}"))
        page.on("pageerror", lambda exc: self.problems.append(f"script error: {exc}"))
        page.on("requestfailed", lambda req: self.problems.append(f"failed request: {req.url} {req.failure}"))
        page.on(
            "response",
            lambda res: (
                res.status >= 400 and res.url.startswith(base) and self.problems.append(f"{res.status} {res.url}")
            ),
        )

    def take(self):
        problems, self.problems = self.problems, []
        return problems


def _overflow(page):
    return page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")


def _widest(page):
    """The elements that stick out to the right of the window, to name them in a failure."""
    return page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5)
        .slice(0, 5).map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
                             + ' ' + Math.round(el.getBoundingClientRect().right) + 'px')""")


def _gallery_shot(page, name):
    folder = Path(settings.BASE_DIR) / GALLERY
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=False)


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("role", ["visitor", "contributor", "reviewer", "admin"])
def test_main_pages_fit_load_cleanly_and_are_accessible(page, url, sign_in, live_server, role, language, width):
    if GALLERY and language != "en":
        pytest.skip("the gallery is in English")
    site = {} if role == "visitor" else _site()
    page.set_viewport_size(WIDTHS[width])
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    if role != "visitor":
        sign_in(page, site["users"][role])
        page.goto(url("/"))
        # One row of header on a phone too: brand, language, menu.
        assert page.locator("header").bounding_box()["height"] < 80
    watch = Watch(page, live_server.url)
    problems = []
    for name, path in _pages(role, site):
        page.goto(url(path))
        if page.locator("[data-chart-src]").count():
            page.wait_for_load_state("networkidle")  # the charts' figures, fetched after the page
        assert page.evaluate("() => document.documentElement.lang") == language
        scroll_width, inner_width = _overflow(page)
        if scroll_width > inner_width:
            problems.append(f"{name}: {scroll_width} px wide in {inner_width} px: {_widest(page)}")
        problems += [f"{name}: {problem}" for problem in watch.take()]
        problems += [f"{name}: {problem}" for problem in axe_violations(page)]
        screenshot(page, f"page-{role}-{name}-{language}-{width}")
        if GALLERY and name in GALLERY_PAGES:
            _gallery_shot(page, f"{name}-{width}")
    assert not problems, f"{role}, {language}, {width}:\n" + "\n".join(problems)


def test_the_overflow_check_sees_a_page_that_scrolls_sideways(page, url):
    page.set_viewport_size(WIDTHS["phone"])
    page.goto(url("/accounts/login/"))
    page.evaluate("() => { document.querySelector('main').style.minWidth = '600px'; }")
    scroll_width, inner_width = _overflow(page)
    assert scroll_width > inner_width
    assert any(re.match(r"main", element) for element in _widest(page))


def test_on_a_phone_the_menu_opens_from_one_button_and_the_language_is_one_control(page, url, sign_in):
    page.set_viewport_size(WIDTHS["phone"])
    sign_in(page, UserFactory(username="alice"))
    page.goto(url("/"))
    header = page.locator("header")
    assert header.bounding_box()["height"] < 80
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My demonstrations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My demonstrations")

    page.locator("details.language summary").click()
    page.get_by_role("button", name="Français").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes démonstrations")
    expect(page.locator("html")).to_have_attribute("lang", "fr")


def test_keyboard_hints_are_hidden_on_a_touch_screen(browser, url, sign_in):
    touch = browser.new_context(viewport=WIDTHS["phone"], has_touch=True, is_mobile=True)
    desk = browser.new_context(viewport=WIDTHS["laptop"])
    alice = UserFactory(username="alice")
    try:
        for context, visible in [(touch, False), (desk, True)]:
            page = sign_in(context.new_page(), alice)
            page.goto(url("/demonstrations/new/?category=open_qa"))
            assert page.locator("kbd").first.is_visible() is visible
    finally:
        touch.close()
        desk.close()


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_refused_address_and_a_new_webhook_secret_fit_and_are_accessible(
    page, url, sign_in, live_server, language, width
):
    from datasets.webhooks import services as webhook_services

    admin = AdminFactory(username="ada")
    endpoint = webhook_services.webhook_endpoint_create(
        url="https://example.com/hooks/" + "a-long-path-segment/" * 6, events=["import.finished"], created_by=admin
    )
    page.set_viewport_size(WIDTHS[width])
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    sign_in(page, admin)
    problems = []
    refused = page.goto(url("/dashboard/?days=abc"))
    assert refused.status == 400 and page.locator("h1").count() == 1
    page.goto(url("/datasets/webhooks/"))
    page.fill("#id_url", "https://example.com/other-hook")
    page.locator("input[name=events]").first.check()
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert page.locator("code.webhook-secret").count() == 1
    for name, goto in (("webhook-secret", None), ("bad-address", "/dashboard/?days=abc")):
        if goto:
            page.goto(url(goto))
        scroll_width, inner_width = _overflow(page)
        if scroll_width > inner_width:
            problems.append(f"{name}: {scroll_width} px wide in {inner_width} px: {_widest(page)}")
        problems += [f"{name}: {problem}" for problem in axe_violations(page)]
        screenshot(page, f"page-admin-{name}-{language}-{width}")
    page.goto(url(f"/datasets/webhooks/{endpoint.public_id}/"))
    assert page.locator("code.webhook-secret").count() == 0  # shown once, at creation only
    assert not problems, f"{language}, {width}:\n" + "\n".join(problems)


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_decision_refused_because_another_reviewer_holds_the_record_fits_and_is_accessible(
    page, url, sign_in, live_server, language, width
):
    author = UserFactory(username="alice")
    item = _write(
        author,
        "open_qa",
        "Why do leaves change colour in autumn?",
        "Chlorophyll breaks down as the days shorten, so the yellow and red pigments show.",
    )
    holder = ReviewerFactory(username="rita")
    assert review_services.review_claim_next(reviewer=holder).pk == item.pk
    page.set_viewport_size(WIDTHS[width])
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    sign_in(page, ReviewerFactory(username="ravi"))
    page.goto(url(f"/review/{item.public_id}/"))
    page.get_by_label("Reason" if language == "en" else "Motif").select_option("other")
    with page.expect_response(lambda answer: "/decide/" in answer.url) as answer:
        page.locator('button[name="decision"][value="reject"]').click()
    assert answer.value.status == 409
    expect(page.locator(".errorbox")).to_contain_text(
        "Another reviewer is deciding" if language == "en" else "Un autre relecteur"
    )
    problems = []
    scroll_width, inner_width = _overflow(page)
    if scroll_width > inner_width:
        problems.append(f"{scroll_width} px wide in {inner_width} px: {_widest(page)}")
    problems += axe_violations(page)
    screenshot(page, f"page-reviewer-held-by-another-{language}-{width}")
    assert not problems, f"{language}, {width}:\n" + "\n".join(problems)
