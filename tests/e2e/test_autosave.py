"""Nothing typed is lost: autosave while typing, a copy in the browser, conflicts reported."""

import re

from playwright.sync_api import expect

from annotations import services
from annotations.models import Demonstration, Status
from tests.factories import DemonstrationFactory, UserFactory

from .helpers import screenshot

SAVED = re.compile(r"Draft saved automatically at")


def test_typing_saves_a_draft_and_the_page_becomes_its_edit_page(page, url, sign_in):
    alice = UserFactory(username="alice")
    sign_in(page, alice)
    page.goto(url("/demonstrations/new/?category=open_qa"))
    page.get_by_label("Instruction").fill("Why do cats purr?")
    status = page.locator("[data-autosave-status]")
    expect(status).to_have_text(SAVED)
    demonstration = Demonstration.objects.get(author=alice)
    expect(page).to_have_url(re.compile(rf"/demonstrations/{demonstration.public_id}/edit/$"))
    assert demonstration.status == Status.DRAFT

    page.get_by_label("Response").press_sequentially("To soothe themselves.", delay=5)
    expect(status).to_have_text(SAVED)
    demonstration.refresh_from_db()
    assert demonstration.response == "To soothe themselves."
    screenshot(page, "write-autosaved")

    page.get_by_label("Response").press("Control+s")
    expect(page.get_by_text("Draft saved.", exact=True)).to_be_visible()
    page.get_by_label("Response").press("Control+Enter")
    expect(page.get_by_text("Submitted for review. Thank you!")).to_be_visible()
    assert Demonstration.objects.filter(author=alice).count() == 1
    demonstration.refresh_from_db()
    assert demonstration.status == Status.SUBMITTED


def test_text_the_server_did_not_get_is_offered_back_when_the_page_is_opened_again(page, url, sign_in):
    alice = UserFactory(username="alice")
    demonstration = DemonstrationFactory(author=alice, instruction="Name a French cheese.", response="")
    edit = url(f"/demonstrations/{demonstration.public_id}/edit/")
    sign_in(page, alice)
    page.goto(edit)
    page.context.set_offline(True)
    page.get_by_label("Response").fill("Comté, from the Jura.")
    expect(page.locator("[data-autosave-status]")).to_contain_text("could not be reached")
    page.close()
    demonstration.refresh_from_db()
    assert demonstration.response == ""
    page.context.set_offline(False)

    again = page.context.new_page()
    again.goto(edit)
    restore = again.locator("[data-autosave-restore]")
    expect(restore).to_be_visible()
    expect(again.get_by_label("Response")).to_have_value("")
    screenshot(again, "write-restore")
    again.get_by_role("button", name="Restore that text").click()
    expect(again.get_by_label("Response")).to_have_value("Comté, from the Jura.")
    expect(again.locator("[data-autosave-status]")).to_have_text(SAVED)
    demonstration.refresh_from_db()
    assert demonstration.response == "Comté, from the Jura."

    third = page.context.new_page()
    third.goto(edit)
    expect(third.get_by_label("Response")).to_have_value("Comté, from the Jura.")
    expect(third.locator("[data-autosave-restore]")).to_be_hidden()


def test_autosave_stops_and_says_so_when_the_draft_changed_elsewhere(page, url, sign_in):
    alice = UserFactory(username="alice")
    demonstration = DemonstrationFactory(author=alice, instruction="Name a river.", response="")
    sign_in(page, alice)
    page.goto(url(f"/demonstrations/{demonstration.public_id}/edit/"))
    services.demonstration_update(
        demonstration=demonstration, editor=alice, expected_version=1, changes={"response": "The Loire."}
    )

    page.get_by_label("Response").fill("The Danube.")
    status = page.locator("[data-autosave-status]")
    expect(status).to_contain_text("changed elsewhere")
    expect(status).to_contain_text("kept in this browser")
    demonstration.refresh_from_db()
    assert demonstration.response == "The Loire."


def test_leaving_with_unsaved_text_asks_first_and_saved_text_does_not(page, url, sign_in):
    sign_in(page, UserFactory(username="alice"))
    page.goto(url("/demonstrations/new/"))
    page.get_by_label("Instruction").fill("A question without a category yet?")
    expect(page.locator("[data-autosave-status]")).to_contain_text("Choose a category")
    dialogs = []

    def stay(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    page.get_by_role("link", name="My demonstrations").click()
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"]
    expect(page).to_have_url(url("/demonstrations/new/"))

    page.get_by_label("Category").select_option("open_qa")
    expect(page.locator("[data-autosave-status]")).to_have_text(SAVED)
    page.get_by_role("link", name="My demonstrations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My demonstrations")
    assert dialogs == ["beforeunload"]


def test_back_onto_an_edit_page_then_ctrl_s_saves_without_a_false_conflict(page, url, sign_in):
    alice = UserFactory(username="alice")
    demonstration = DemonstrationFactory(author=alice, instruction="Name a French cheese.", response="")
    sign_in(page, alice)
    page.goto(url(f"/demonstrations/{demonstration.public_id}/edit/"))
    response = page.get_by_label("Response")
    response.fill("Comté")
    expect(page.locator("[data-autosave-status]")).to_have_text(SAVED)
    response.press_sequentially(", from the Jura", delay=5)
    response.press("Control+s")
    expect(page.get_by_text("Draft saved.", exact=True)).to_be_visible()
    demonstration.refresh_from_db()
    assert demonstration.response == "Comté, from the Jura"

    page.go_back()
    expect(page.get_by_label("Response")).to_have_value("Comté, from the Jura")
    expect(page.locator("[data-autosave-restore]")).to_be_hidden()
    page.get_by_label("Response").press("Control+End")
    page.get_by_label("Response").press_sequentially(".", delay=5)
    page.get_by_label("Response").press("Control+s")
    expect(page.get_by_text("Draft saved.", exact=True)).to_be_visible()
    expect(page.get_by_text("changed elsewhere")).to_have_count(0)
    demonstration.refresh_from_db()
    assert demonstration.response == "Comté, from the Jura."


def test_a_page_restored_from_the_back_forward_cache_reads_the_stored_version(page, url, sign_in):
    alice = UserFactory(username="alice")
    demonstration = DemonstrationFactory(author=alice, instruction="Name a French cheese.", response="Comté.")
    sign_in(page, alice)
    page.goto(url(f"/demonstrations/{demonstration.public_id}/edit/"))
    expect(page.locator("input[name=version]")).to_have_value("1")
    # What this page's last save did before the browser kept it: the same text, one version on.
    services.demonstration_update(
        demonstration=demonstration, editor=alice, expected_version=1, changes={"response": "Comté!"}
    )
    services.demonstration_update(
        demonstration=Demonstration.objects.get(pk=demonstration.pk),
        editor=alice,
        expected_version=2,
        changes={"response": "Comté."},
    )
    page.evaluate("() => window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))")
    expect(page.locator("input[name=version]")).to_have_value("3")
    page.get_by_label("Response").press("Control+End")
    page.get_by_label("Response").press_sequentially(" Or Beaufort.", delay=5)
    page.get_by_label("Response").press("Control+s")
    expect(page.get_by_text("Draft saved.", exact=True)).to_be_visible()
    assert Demonstration.objects.get(pk=demonstration.pk).response == "Comté. Or Beaufort."


def test_errors_shown_before_an_autosave_go_once_the_text_is_saved(page, url, sign_in):
    sign_in(page, UserFactory(username="alice"))
    page.goto(url("/demonstrations/new/"))
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".has-error").first).to_be_visible()
    page.get_by_label("Category").select_option("open_qa")
    page.get_by_label("Instruction").fill("Why do cats purr?")
    expect(page.locator("[data-autosave-status]")).to_have_text(SAVED)
    expect(page.locator(".has-error")).to_have_count(0)
    expect(page.locator("p.error")).to_have_count(0)
    dangling = page.evaluate("""() => [...document.querySelectorAll('[aria-describedby]')].flatMap(
        el => el.getAttribute('aria-describedby').split(' ').filter(id => !document.getElementById(id)))""")
    assert dangling == []
