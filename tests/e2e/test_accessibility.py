"""axe-core on the main pages, as each role sees them: no serious or critical violation.

Each page is checked at desktop width and on a phone-sized screen, where the layout changes.
"""

import re

import pytest
from playwright.sync_api import expect

from annotations import services
from annotations.models import Origin
from tests.factories import AdminFactory, ReviewerFactory, UserFactory, category

from .helpers import axe_violations, screenshot

PHONE = {"width": 390, "height": 844}


def _submitted(author):
    demonstration, _ = services.demonstration_create(
        author=author,
        category=category("closed_qa"),
        instruction="When did the bridge open to cars?",
        context="The bridge opened to horse-drawn traffic in 1903 and to motor cars in 1911.",
        source_url="https://en.wikipedia.org/wiki/Bridge",
        response="In 1911.",
        origin=Origin.WEB,
        submit=True,
    )
    return demonstration


def check(page, name):
    problems = axe_violations(page)
    screenshot(page, name)
    page.set_viewport_size(PHONE)
    problems += [f"(phone) {problem}" for problem in axe_violations(page)]
    screenshot(page, f"{name}-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert not problems, f"{name}: " + "\n".join(problems)


@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/signup/"])
def test_signed_out_pages(page, url, path):
    page.goto(url(path))
    check(page, "a11y" + path.replace("/", "-").rstrip("-"))


CONTRIBUTOR_PAGES = [
    "/",
    "/demonstrations/new/?category=closed_qa",
    "/demonstrations/",
    "/categories/",
    "/me/dashboard/",
    "/contests/",
    "/leaderboard/",
    "/me/points/",
    "/open-instructions/",
]


def test_contributor_pages(page, url, sign_in):
    alice = UserFactory(username="alice")
    demonstration = _submitted(alice)
    sign_in(page, alice)
    for path in [*CONTRIBUTOR_PAGES, f"/demonstrations/{demonstration.public_id}/"]:
        page.goto(url(path))
        expect(page.locator("main h1")).to_be_visible()
        name = re.sub(r"[0-9a-f-]{36}", "detail", path.split("?")[0]).replace("/", "-").rstrip("-")
        check(page, "a11y" + (name or "-home"))


def test_the_form_with_errors(page, url, sign_in):
    sign_in(page, UserFactory(username="alice"))
    page.goto(url("/demonstrations/new/"))
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".has-error").first).to_be_visible()
    missing = page.evaluate("""() => [...document.querySelectorAll('[aria-describedby]')].flatMap(
        el => el.getAttribute('aria-describedby').split(' ').filter(id => !document.getElementById(id)))""")
    assert missing == []
    expect(page.get_by_label("Instruction")).to_have_accessible_description(
        "What the person asks for: a question, a task, a request. This field is required."
    )
    check(page, "a11y-write-errors")


def test_reviewer_and_admin_pages(page, url, sign_in):
    _submitted(UserFactory(username="alice"))
    sign_in(page, ReviewerFactory(username="rita"))
    page.goto(url("/review/"))
    check(page, "a11y-review")
    page.context.clear_cookies()
    sign_in(page, AdminFactory(username="ada"))
    for path in ["/dashboard/", "/datasets/"]:
        page.goto(url(path))
        expect(page.locator("main h1")).to_be_visible()
        check(page, "a11y" + path.replace("/", "-").rstrip("-"))


def test_the_check_itself_catches_an_unlabelled_field(page, url):
    page.goto(url("/accounts/login/"))
    page.evaluate("() => document.querySelector('label[for=id_username]').remove()")
    assert any("label" in problem for problem in axe_violations(page))
