"""The writing page warns about what reviewers will see flagged, beside the field, before submitting.

Same conditions as every page (tests/e2e/test_pages.py): in English and French, on a phone and a
laptop, nothing scrolls sideways, no console error or failed request, axe-core clean.
"""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from open_instructions.services import open_instruction_create
from tests.factories import ReviewerFactory, UserFactory, category

from .helpers import axe_violations, screenshot
from .test_pages import WIDTHS, Watch, _overflow, _widest

WARNING = {
    "en": "Personal data: e-mail address. Remove it or replace it with a made-up example.",
    "fr": "Données personnelles\u00a0: adresse e-mail. Supprimez-les ou remplacez-les par un exemple inventé.",
}


def _language(page, live_server, language):
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("language", ["en", "fr"])
def test_an_email_in_the_response_is_a_warning_beside_the_response_until_it_is_removed(
    page, url, sign_in, live_server, language, width
):
    page.set_viewport_size(WIDTHS[width])
    _language(page, live_server, language)
    sign_in(page, UserFactory(username="alice"))
    watch = Watch(page, live_server.url)
    page.goto(url("/demonstrations/new/?category=open_qa"))
    page.wait_for_load_state("load")
    page.locator("#id_instruction").fill("Who can explain why the sky looks blue on a clear day?")
    page.locator("#id_response").fill("Write to jane.doe@example.com and she will explain the scattering of light.")
    warnings = page.locator("#field-response [data-warnings-for=response]")
    expect(warnings.locator(".field-warning")).to_have_text(WARNING[language], timeout=10_000)
    expect(warnings).to_have_attribute("aria-live", "polite")
    described = page.locator("#id_response").get_attribute("aria-describedby").split()
    assert warnings.get_attribute("id") in described
    expect(page.locator("#field-instruction .field-warning")).to_have_count(0)

    problems = []
    scroll_width, inner_width = _overflow(page)
    if scroll_width > inner_width:
        problems.append(f"{scroll_width} px wide in {inner_width} px: {_widest(page)}")
    problems += axe_violations(page)
    screenshot(page, f"draft-checks-{language}-{width}")

    # The draft opened again shows its warning at once; fixing the text removes it.
    page.reload()
    expect(page.locator("#field-response .field-warning")).to_have_text(WARNING[language], timeout=10_000)
    page.locator("#id_response").fill("Ask a physicist: air scatters blue light more than red light.")
    page.locator("#id_instruction").focus()
    expect(page.locator("#field-response .field-warning")).to_have_count(0, timeout=10_000)
    # The warning never blocked anything: the draft is submitted.
    page.get_by_role("button", name={"en": "Submit for review", "fr": "Soumettre en relecture"}[language]).click()
    page.wait_for_load_state("load")
    problems += watch.take()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("width", "folded"), [("phone", True), ("laptop", False)])
def test_the_review_queue_filters_fold_behind_one_control_on_a_phone(page, url, sign_in, width, folded):
    page.set_viewport_size(WIDTHS[width])
    sign_in(page, ReviewerFactory(username="rita"))
    page.goto(url("/review/?flag=personal_data"))
    page.wait_for_load_state("load")
    control = page.locator("details.collapsible-filters > summary")
    category = page.get_by_label("Category")
    if folded:
        expect(control).to_be_visible()
        expect(control).to_contain_text("1 active")
        expect(category).to_be_hidden()
        control.click()
        expect(category).to_be_visible()
    else:
        expect(control).to_be_hidden()
        expect(category).to_be_visible()
    screenshot(page, f"review-filters-{width}")


def test_the_answer_page_warns_beside_the_response_too(page, url, sign_in, live_server):
    ann, ben = UserFactory(username="ann"), UserFactory(username="ben")
    posed = open_instruction_create(
        author=ann, category=category("brainstorming"), instruction="Name three games for a rainy day."
    )
    page.set_viewport_size(WIDTHS["phone"])
    sign_in(page, ben)
    watch = Watch(page, live_server.url)
    page.goto(url(f"/open-instructions/{posed.public_id}/answer/"))
    page.wait_for_load_state("load")
    page.get_by_label("Response").fill("Charades, cards, and a quiz: send the scores to ben.smith@example.org.")
    expect(page.locator("#field-response .field-warning")).to_have_text(WARNING["en"], timeout=10_000)
    assert _overflow(page)[0] <= _overflow(page)[1]
    problems = axe_violations(page) + watch.take()
    screenshot(page, "draft-checks-answer-en-phone")
    assert not problems, "\n".join(problems)
