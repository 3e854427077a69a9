"""A contributor writes in a real browser: drafts, coming back, submitting, conflicts, errors."""

import re

from playwright.sync_api import expect

from annotations.models import Demonstration, Status
from tests.factories import DemonstrationFactory, UserFactory

from .helpers import PASSWORD, screenshot

PASSAGE = (
    "The Old Mill Bridge was designed in 1898 and built over the next four years. It opened to "
    "horse-drawn traffic in May 1903 and to motor cars in 1911."
)


def test_sign_in_write_closed_qa_save_draft_leave_come_back_and_submit(page, url):
    UserFactory(username="alice")
    page.goto(url("/"))
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    screenshot(page, "sign-in")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, alice")
    screenshot(page, "home")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Write").click()
    expect(page.get_by_label("Reference text")).to_be_hidden()
    page.get_by_label("Category").select_option("closed_qa")
    expect(page.get_by_label("Reference text")).to_be_visible()
    page.get_by_label("Instruction").fill("When did the Old Mill Bridge open to motor cars?")
    page.get_by_label("Reference text").fill(PASSAGE)
    page.get_by_label("Source address").fill("https://en.wikipedia.org/wiki/Old_Mill_Bridge")
    expect(page.locator("[data-counter-for=id_context] [data-count]")).to_have_text(f"{len(PASSAGE):,}")
    screenshot(page, "write")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()

    page.get_by_role("link", name="My demonstrations").click()
    row = page.get_by_role("row").filter(has_text="Old Mill Bridge")
    expect(row).to_contain_text("Draft")
    screenshot(page, "my-demonstrations")

    row.get_by_role("link").click()
    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_label("Reference text")).to_have_value(PASSAGE)
    page.get_by_label("Response").fill("In 1911, eight years after it opened to horse-drawn traffic.")
    page.get_by_role("button", name="Submit for review").click()

    expect(page.get_by_text("Submitted for review. Thank you!")).to_be_visible()
    expect(page.locator("h1 .status")).to_have_text("Submitted")
    screenshot(page, "demonstration-submitted")
    demonstration = Demonstration.objects.get(author__username="alice")
    assert demonstration.status == Status.SUBMITTED
    assert demonstration.category.key == "closed_qa"
    assert demonstration.context == PASSAGE
    assert demonstration.source_url == "https://en.wikipedia.org/wiki/Old_Mill_Bridge"
    assert demonstration.response.startswith("In 1911")


def test_a_stale_edit_is_refused_and_the_text_kept(page, url, sign_in):
    alice = UserFactory(username="alice")
    demonstration = DemonstrationFactory(author=alice, instruction="Name three rivers of France.", response="")
    edit = url(f"/demonstrations/{demonstration.public_id}/edit/")
    sign_in(page, alice)
    page.goto(edit)
    second = page.context.new_page()
    second.goto(edit)

    second.get_by_label("Response").fill("The Seine, the Loire and the Rhône.")
    second.get_by_role("button", name="Save draft").click()
    expect(second.get_by_text("Draft saved.")).to_be_visible()

    page.get_by_label("Response").fill("The Garonne, the Dordogne and the Lot.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("alert")).to_contain_text("changed elsewhere")
    expect(page.get_by_label("Response")).to_have_value("The Garonne, the Dordogne and the Lot.")
    expect(page.get_by_role("link", name="Open the current version in a new tab")).to_be_visible()
    screenshot(page, "stale-edit")
    demonstration.refresh_from_db()
    assert demonstration.response == "The Seine, the Loire and the Rhône."


def test_an_empty_form_gets_a_message_per_field(page, url, sign_in):
    sign_in(page, UserFactory(username="alice"))
    page.goto(url("/demonstrations/new/"))
    page.get_by_role("button", name="Submit for review").click()

    expect(page.locator("#field-category .error")).to_have_text("Choose a category.")
    expect(page.locator("#field-instruction .error")).to_have_text("This field is required.")
    expect(page.get_by_label("Category")).to_be_focused()
    screenshot(page, "write-errors")
    assert not Demonstration.objects.exists()

    page.get_by_label("Category").select_option("summarization")
    page.get_by_label("Instruction").fill("Summarise the passage in two sentences.")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("#field-context .error")).to_have_text("Summarization needs a reference text.")
    expect(page.locator("#field-source_url .error")).to_have_text("Give the address the reference text was taken from.")
    expect(page.locator("#field-response .error")).to_have_text("This field is required.")
    assert not Demonstration.objects.exclude(status=Status.DRAFT).exists()
