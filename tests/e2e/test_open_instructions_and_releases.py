"""One contributor poses an instruction, another answers it; an admin releases the dataset."""

import json
import re

from playwright.sync_api import expect

from annotations import services
from annotations.models import Demonstration, Origin, Status
from open_instructions.services import open_instruction_create
from review import services as review_services
from tests.factories import AdminFactory, ReviewerFactory, UserFactory, category

from .helpers import screenshot


def test_a_posed_instruction_is_answered_by_someone_else(page, url, sign_in):
    ann, ben = UserFactory(username="ann"), UserFactory(username="ben")
    sign_in(page, ann)
    page.goto(url("/open-instructions/new/"))
    page.get_by_label("Category").select_option("brainstorming")
    page.get_by_label("Instruction").fill("Give me five names for a bakery in a lighthouse.")
    page.get_by_role("button", name="Add to the pool").click()
    expect(page.locator(".message.success")).to_be_visible()

    page.context.clear_cookies()
    sign_in(page, ben)
    page.goto(url("/"))
    page.get_by_role("link", name="Open instructions").click()
    page.get_by_role("link", name="Write an answer: Give me five names for a bakery").click()
    expect(page.get_by_label("Instruction")).to_have_value("Give me five names for a bakery in a lighthouse.")
    screenshot(page, "open-instruction-answer")
    page.get_by_label("Response").fill("The Beacon Bun, Crust Light, Loaf on the Rocks, Rye Tide, The Flour Tower.")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Answer submitted for review. Thank you!")).to_be_visible()
    expect(page.get_by_role("heading", name="Thank you! What next?")).to_be_visible()

    answer = Demonstration.objects.get(author=ben)
    assert answer.status == Status.SUBMITTED
    assert answer.instruction_author == ann
    assert answer.category.key == "brainstorming"
    assert answer.response.startswith("The Beacon Bun")


def test_an_admin_builds_a_release_and_downloads_the_jsonl(page, url, sign_in, tmp_path):
    rita, ann = ReviewerFactory(username="rita"), UserFactory(username="ann")
    records = [
        ("closed_qa", "When did the bridge open to cars?", "The bridge opened to motor cars in 1911.", "In 1911."),
        ("open_qa", "Why do cats purr?", "", "To communicate and to soothe themselves."),
    ]
    for key, instruction, context, response in records:
        demonstration, _ = services.demonstration_create(
            author=ann,
            category=category(key),
            instruction=instruction,
            context=context,
            source_url="https://en.wikipedia.org/wiki/Bridge" if context else "",
            response=response,
            origin=Origin.WEB,
            submit=True,
        )
        review_services.review_approve(demonstration=demonstration, reviewer=rita)
    services.demonstration_create(author=ann, category=category("open_qa"), instruction="Left as a draft?")

    sign_in(page, AdminFactory(username="ada"))
    page.goto(url("/"))
    navigation = page.get_by_role("navigation", name="Main")
    navigation.get_by_text("Admin", exact=True).click()
    navigation.get_by_role("link", name="Datasets").click()
    page.goto(url("/datasets/new/"))
    screenshot(page, "release-new")
    page.get_by_role("button", name="Build the release").click()
    expect(page.locator("h1 [data-status-text]")).to_have_text("Done", timeout=30_000)
    screenshot(page, "release-done")

    link = page.get_by_role("link", name=re.compile(r"\.jsonl$")).first
    with page.expect_download() as download_info:
        link.click()
    path = tmp_path / "release.jsonl"
    download_info.value.save_as(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    assert all(list(row) == ["instruction", "context", "response", "category"] for row in rows)
    assert sorted((row["category"], row["instruction"], row["context"], row["response"]) for row in rows) == sorted(
        (key, instruction, context, response) for key, instruction, context, response in records
    )


def test_an_answer_being_written_is_saved_as_a_draft_and_comes_back(page, url, sign_in):
    ann, ben = UserFactory(username="ann"), UserFactory(username="ben")
    posed = open_instruction_create(
        author=ann, category=category("brainstorming"), instruction="Name three games for a rainy day."
    )
    sign_in(page, ben)
    page.goto(url("/open-instructions/"))
    page.get_by_role("link", name="Write an answer: Name three games").click()
    page.wait_for_load_state()  # typing before the page's scripts run would not be seen by the autosave
    page.get_by_label("Response").fill("Charades, a card tower contest, and indoor treasure hunt.")
    expect(page.locator("[data-autosave-status]")).to_have_text(re.compile(r"^Draft saved automatically at"))
    draft = Demonstration.objects.get(author=ben)
    assert draft.status == Status.DRAFT and draft.instruction_author == ann

    page.reload()
    expect(page.get_by_label("Response")).to_have_value("Charades, a card tower contest, and indoor treasure hunt.")
    page.get_by_label("Response").press("Control+Enter")
    expect(page.get_by_text("Answer submitted for review. Thank you!")).to_be_visible()
    posed.refresh_from_db()
    assert posed.answer_id == draft.pk
    assert Demonstration.objects.get(pk=draft.pk).status == Status.SUBMITTED
