"""The contributor's pages: categories, writing, drafts, submission, history, permissions, query bounds."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations import services
from annotations.models import Category, Demonstration, Origin, Revision, Status
from tests.factories import DemonstrationFactory, category

pytestmark = pytest.mark.django_db

SOURCE = "https://en.wikipedia.org/wiki/Lighthouse"
ALL_KEYS = [
    "open_qa",
    "closed_qa",
    "information_extraction",
    "summarization",
    "brainstorming",
    "classification",
    "creative_writing",
    "general_qa",
]


def url(name, demonstration=None):
    return reverse(name, args=[demonstration.public_id]) if demonstration else reverse(name)


def form_data(action="save", **fields):
    data = {
        "category": "open_qa",
        "instruction": "Why is the sea salty?",
        "context": "",
        "source_url": "",
        "response": "",
        "action": action,
    }
    return data | fields


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def idempotency_key_in(response):
    return re.search(rb'name="idempotency_key" value="([0-9a-f]+)"', response.content).group(1).decode()


# 1. Categories ---------------------------------------------------------------------------------


def test_the_categories_page_shows_all_eight_with_guidelines_and_an_example(client_for, user):
    response = client_for(user).get(url("category-list"))
    assert response.status_code == 200
    page = response.content.decode()
    for c in Category.objects.all():
        assert c.key in ALL_KEYS
        assert f'id="{c.key}"' in page
        assert c.name in page
        assert c.example_instruction.replace("'", "&#x27;") in page
    assert page.count('class="guidelines"') == 8
    assert page.count('class="example"') == 8
    assert "<li>" in page, "guidelines are rendered from Markdown"


@pytest.mark.parametrize("key", ALL_KEYS)
def test_each_category_has_its_own_page(client_for, user, key):
    response = client_for(user).get(reverse("category-detail", args=[key]))
    assert response.status_code == 200
    assert f"?category={key}".encode() in response.content


def test_an_inactive_or_unknown_category_page_is_404(client_for, user):
    Category.objects.filter(key="general_qa").update(is_active=False)
    client = client_for(user)
    assert client.get(reverse("category-detail", args=["general_qa"])).status_code == 404
    assert client.get(reverse("category-detail", args=["nope"])).status_code == 404


# 2. Writing, saving, coming back, editing, submitting -----------------------------------------


def test_the_writing_form_shows_character_counters_with_the_limits(client_for, user):
    response = client_for(user).get(url("demonstration-create") + "?category=closed_qa")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-counter-for="id_instruction" data-limit="10000"' in page
    assert 'data-counter-for="id_context" data-limit="100000"' in page
    assert 'data-counter-for="id_response" data-limit="100000"' in page
    assert "/ 10,000 characters" in page
    option = re.search(r'<option value="closed_qa"[^>]*>', page).group(0)
    assert "selected" in option and 'data-needs-context="true"' in option
    assert 'data-needs-context="false"' in re.search(r'<option value="open_qa"[^>]*>', page).group(0)
    assert re.search(r'name="idempotency_key" value="[0-9a-f]{32}"', page)


def test_a_contributor_drafts_comes_back_edits_and_submits(client_for, user):
    client = client_for(user)
    form = client.get(url("demonstration-create"))
    key = idempotency_key_in(form)

    saved = client.post(
        url("demonstration-create"),
        form_data(category="closed_qa", instruction="  When was the tower automated? ", idempotency_key=key),
    )
    demonstration = Demonstration.objects.get(author=user)
    assert saved.status_code == 302
    assert saved.url == url("demonstration-edit", demonstration)
    assert (demonstration.status, demonstration.version, demonstration.origin) == (Status.DRAFT, 1, Origin.WEB)
    assert demonstration.instruction == "When was the tower automated?"

    later = client.get(url("demonstration-edit", demonstration))
    assert later.status_code == 200
    assert b"When was the tower automated?" in later.content
    assert b'name="version" value="1"' in later.content

    edited = client.post(
        url("demonstration-edit", demonstration),
        form_data(
            category="closed_qa",
            instruction="When was the tower automated?",
            version=1,
            context="The granite tower was automated in 1987.",
            source_url=SOURCE,
        ),
    )
    assert edited.status_code == 302
    demonstration.refresh_from_db()
    assert (demonstration.version, demonstration.context) == (2, "The granite tower was automated in 1987.")

    submitted = client.post(
        url("demonstration-edit", demonstration),
        form_data(
            action="submit",
            category="closed_qa",
            instruction="When was the tower automated?",
            version=2,
            context="The granite tower was automated in 1987.",
            source_url=SOURCE,
            response="In 1987.",
        ),
    )
    assert submitted.status_code == 302
    assert submitted.url == url("demonstration-detail", demonstration)
    demonstration.refresh_from_db()
    assert (demonstration.status, demonstration.version, demonstration.response) == (Status.SUBMITTED, 3, "In 1987.")
    assert demonstration.revisions.count() == 3


def test_create_and_submit_at_once(client_for, user):
    response = client_for(user).post(url("demonstration-create"), form_data(action="submit", response="Minerals."))
    demonstration = Demonstration.objects.get(author=user)
    assert response.url == url("demonstration-detail", demonstration)
    assert demonstration.status == Status.SUBMITTED


def test_validation_errors_are_shown_by_field_and_the_text_is_kept(client_for, user):
    response = client_for(user).post(
        url("demonstration-create"),
        form_data(
            action="submit", category="summarization", instruction="Summarise this please", response="bad\x07text"
        ),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"context", "source_url", "response"}
    assert "U+0007" in form.errors["response"][0]
    assert b"Summarise this please" in response.content
    assert not Demonstration.objects.exists()


@pytest.mark.parametrize("field", ["instruction", "context", "source_url", "response"])
def test_a_nul_character_is_refused_by_field(client_for, user, field):
    response = client_for(user).post(url("demonstration-create"), form_data(**{field: "text\x00more"}))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Demonstration.objects.exists()


def test_a_missing_category_is_named(client_for, user):
    response = client_for(user).post(url("demonstration-create"), form_data(category=""))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["category"]


def test_the_submit_button_on_the_detail_page(client_for, user):
    demonstration = DemonstrationFactory(author=user, response="Minerals.")
    client = client_for(user)
    response = client.post(url("demonstration-submit", demonstration), {"version": "1"})
    assert response.url == url("demonstration-detail", demonstration)
    demonstration.refresh_from_db()
    assert demonstration.status == Status.SUBMITTED
    again = client.post(url("demonstration-submit", demonstration), {"version": "1"}, follow=True)
    assert again.status_code == 200
    assert Demonstration.objects.get(pk=demonstration.pk).version == 2


def test_submitting_an_incomplete_draft_sends_back_to_the_form_naming_the_fields(client_for, user):
    demonstration = DemonstrationFactory(author=user, category=category("closed_qa"), response="")
    response = client_for(user).post(url("demonstration-submit", demonstration), {"version": "1"}, follow=True)
    assert response.redirect_chain[-1][0] == url("demonstration-edit", demonstration)
    text = " ".join(messages_of(response))
    assert "context:" in text and "source_url:" in text and "response:" in text
    assert Demonstration.objects.get(pk=demonstration.pk).status == Status.DRAFT


# 3. My demonstrations, filters, history --------------------------------------------------------


@pytest.fixture
def mixed(user, other_user):
    made = {
        Status.DRAFT: DemonstrationFactory(author=user, instruction="My draft"),
        Status.SUBMITTED: DemonstrationFactory(author=user, status=Status.SUBMITTED, instruction="My submitted"),
        Status.APPROVED: DemonstrationFactory(
            author=user, status=Status.APPROVED, instruction="My approved", category=category("brainstorming")
        ),
        Status.REJECTED: DemonstrationFactory(author=user, status=Status.REJECTED, instruction="My rejected"),
        Status.CHANGES_REQUESTED: DemonstrationFactory(
            author=user, status=Status.CHANGES_REQUESTED, instruction="My sent back"
        ),
    }
    DemonstrationFactory(author=other_user, instruction="Not mine")
    DemonstrationFactory(author=other_user, status=Status.SUBMITTED, instruction="Not mine either")
    return made


def listed(response):
    return [d.instruction for d in response.context["page"].object_list]


def test_my_demonstrations_lists_only_mine_with_their_status(client_for, user, mixed):
    response = client_for(user).get(url("demonstration-list"))
    assert response.status_code == 200
    assert sorted(listed(response)) == sorted(d.instruction for d in mixed.values())
    for label in ["Draft", "Submitted", "Approved", "Rejected", "Changes requested"]:
        assert f">{label}</span>".encode() in response.content
    assert b"Not mine" not in response.content


@pytest.mark.parametrize("status", list(Status))
def test_my_demonstrations_filters_by_status(client_for, user, mixed, status):
    response = client_for(user).get(url("demonstration-list"), {"status": status.value})
    assert listed(response) == [mixed[status].instruction]


def test_my_demonstrations_filters_by_category_and_status_together(client_for, user, mixed):
    client = client_for(user)
    assert listed(client.get(url("demonstration-list"), {"category": "brainstorming"})) == ["My approved"]
    assert listed(client.get(url("demonstration-list"), {"category": "brainstorming", "status": "draft"})) == []


@pytest.mark.parametrize(
    "query",
    [
        {"status": "bogus"},
        {"category": "nope"},
        {"status": "x" * 5000},
        {"status": ["draft", "approved"]},
        {"category": "\x00"},
    ],
)
def test_bad_filter_values_never_fail(client_for, user, mixed, query):
    response = client_for(user).get(url("demonstration-list"), query)
    assert response.status_code == 200


def test_a_bad_page_number_is_a_400_naming_it_and_one_past_the_end_a_404(client_for, user, mixed):
    assert client_for(user).get(url("demonstration-list"), {"page": "abc"}).status_code == 400
    assert client_for(user).get(url("demonstration-list"), {"page": "999"}).status_code == 404


def test_an_unknown_filter_value_is_reported_and_ignored(client_for, user, mixed):
    response = client_for(user).get(url("demonstration-list"), {"status": "bogus"})
    assert len(listed(response)) == 5
    assert any("status" in m for m in messages_of(response))


def test_my_demonstrations_is_paginated(client_for, user):
    DemonstrationFactory.create_batch(27, author=user)
    client = client_for(user)
    assert len(listed(client.get(url("demonstration-list")))) == 25
    second = client.get(url("demonstration-list"), {"page": 2, "status": "draft"})
    assert len(listed(second)) == 2
    assert b"status=draft&amp;page=1" in second.content


def test_the_detail_page_shows_the_revision_history(client_for, user):
    client = client_for(user)
    client.post(url("demonstration-create"), form_data(response="First answer."))
    demonstration = Demonstration.objects.get()
    client.post(url("demonstration-edit", demonstration), form_data(response="Second answer.", version=1))
    client.post(url("demonstration-edit", demonstration), form_data(response="Third answer.", version=2))
    response = client.get(url("demonstration-detail", demonstration))
    assert response.status_code == 200
    page = response.content.decode()
    for version, text in [(1, "First answer."), (2, "Second answer."), (3, "Third answer.")]:
        assert f"Version {version} by alice" in page
        assert text in page
    assert page.index("Version 3 by") < page.index("Version 2 by") < page.index("Version 1 by")


# 4. What may be edited and deleted -------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.APPROVED, Status.REJECTED])
def test_a_submitted_or_decided_demonstration_cannot_be_edited(client_for, user, status):
    demonstration = DemonstrationFactory(author=user, status=status, response="Final.")
    client = client_for(user)
    page = client.get(url("demonstration-edit", demonstration))
    assert page.status_code == 302
    assert page.url == url("demonstration-detail", demonstration)
    posted = client.post(
        url("demonstration-edit", demonstration), form_data(response="Changed.", version=1), follow=True
    )
    assert any("can no longer be edited" in m for m in messages_of(posted))
    assert Demonstration.objects.get(pk=demonstration.pk).response == "Final."
    detail = client.get(url("demonstration-detail", demonstration))
    assert url("demonstration-edit", demonstration).encode() not in detail.content


def test_a_sent_back_demonstration_can_be_edited(client_for, user):
    demonstration = DemonstrationFactory(author=user, status=Status.CHANGES_REQUESTED)
    client = client_for(user)
    assert client.get(url("demonstration-edit", demonstration)).status_code == 200
    response = client.post(url("demonstration-edit", demonstration), form_data(response="Improved.", version=1))
    assert response.status_code == 302
    assert Demonstration.objects.get(pk=demonstration.pk).response == "Improved."


def test_a_contributor_deletes_their_own_draft(client_for, user):
    demonstration = DemonstrationFactory(author=user)
    client = client_for(user)
    assert client.get(url("demonstration-delete", demonstration)).status_code == 200
    response = client.post(url("demonstration-delete", demonstration), {"version": 1})
    assert response.url == url("demonstration-list")
    assert not Demonstration.objects.exists()
    assert not Revision.objects.exists()


def test_a_page_holding_an_older_version_does_not_delete_newer_text(client_for, user):
    demonstration = DemonstrationFactory(author=user, response="First text.")
    client = client_for(user)
    detail_page = client.get(url("demonstration-detail", demonstration)).content.decode()
    delete_link = url("demonstration-delete", demonstration) + "?version=1"
    assert f'href="{delete_link}"' in detail_page
    services.demonstration_update(
        demonstration=demonstration, editor=user, expected_version=1, changes={"response": "Newer text."}
    )

    confirm = client.get(delete_link)
    assert confirm.status_code == 409
    assert "changed elsewhere" in confirm.content.decode() and "Nothing was deleted" in confirm.content.decode()
    refused = client.post(url("demonstration-delete", demonstration), {"version": 1})
    assert refused.status_code == 409
    assert Demonstration.objects.get().response == "Newer text."
    for version in ("", "²", "9" * 40):
        assert client.post(url("demonstration-delete", demonstration), {"version": version}).status_code == 409
    assert Demonstration.objects.exists()

    # The confirmation page shows the current text and carries its version: that one deletes.
    assert 'name="version" value="2"' in confirm.content.decode()
    assert client.post(url("demonstration-delete", demonstration), {"version": 2}).url == url("demonstration-list")
    assert not Demonstration.objects.exists()


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.APPROVED, Status.CHANGES_REQUESTED])
def test_only_drafts_can_be_deleted(client_for, user, status):
    demonstration = DemonstrationFactory(author=user, status=status)
    client = client_for(user)
    assert client.get(url("demonstration-delete", demonstration)).status_code == 302
    response = client.post(url("demonstration-delete", demonstration), follow=True)
    assert any("Only drafts" in m for m in messages_of(response))
    assert Demonstration.objects.filter(pk=demonstration.pk).exists()


@pytest.mark.parametrize(
    "name,method",
    [
        ("demonstration-detail", "get"),
        ("demonstration-edit", "get"),
        ("demonstration-edit", "post"),
        ("demonstration-delete", "get"),
        ("demonstration-delete", "post"),
        ("demonstration-submit", "post"),
    ],
)
def test_another_users_draft_is_404(client_for, user, other_user, name, method):
    theirs = DemonstrationFactory(author=other_user, response="Theirs.")
    response = getattr(client_for(user), method)(url(name, theirs), form_data(version=1) if method == "post" else {})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert (theirs.status, theirs.response, theirs.version) == (Status.DRAFT, "Theirs.", 1)


def test_another_contributors_submitted_demonstration_is_404_too(client_for, user, other_user):
    theirs = DemonstrationFactory(author=other_user, status=Status.SUBMITTED)
    assert client_for(user).get(url("demonstration-detail", theirs)).status_code == 404


def test_a_reviewer_may_read_but_not_edit_someone_elses_submission(client_for, reviewer, other_user):
    theirs = DemonstrationFactory(author=other_user, status=Status.CHANGES_REQUESTED)
    client = client_for(reviewer)
    assert client.get(url("demonstration-detail", theirs)).status_code == 200
    assert client.get(url("demonstration-edit", theirs)).status_code == 403
    assert client.post(url("demonstration-delete", theirs)).status_code == 403


@pytest.mark.parametrize("name", ["home", "category-list", "demonstration-list", "demonstration-create"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, name):
    response = client.get(url(name))
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url(name)}"


@pytest.mark.parametrize(
    "name,method",
    [
        ("demonstration-detail", "get"),
        ("demonstration-edit", "post"),
        ("demonstration-delete", "post"),
        ("demonstration-submit", "post"),
    ],
)
def test_anonymous_visitors_cannot_reach_a_demonstration(client, user, name, method):
    demonstration = DemonstrationFactory(author=user)
    response = getattr(client, method)(url(name, demonstration))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert Demonstration.objects.get(pk=demonstration.pk).version == 1


def test_anonymous_create_post_stores_nothing(client):
    response = client.post(url("demonstration-create"), form_data())
    assert response.status_code == 302
    assert not Demonstration.objects.exists()


# Concurrency and double submits ----------------------------------------------------------------


def test_a_stale_edit_gets_409_keeps_the_typed_text_and_saves_nothing(client_for, user):
    demonstration = DemonstrationFactory(author=user, response="Original.")
    client = client_for(user)
    client.post(url("demonstration-edit", demonstration), form_data(response="Saved from the other tab.", version=1))

    response = client.post(
        url("demonstration-edit", demonstration),
        form_data(response="My careful answer typed in the first tab.", version=1),
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "My careful answer typed in the first tab." in page
    assert "changed elsewhere" in page
    assert "NOT been saved" in page
    assert url("demonstration-detail", demonstration) in page
    stored = Demonstration.objects.get(pk=demonstration.pk)
    assert (stored.version, stored.response) == (2, "Saved from the other tab.")
    assert stored.revisions.count() == 2


@pytest.mark.parametrize("fields", [{"version": "abc"}, {"version": "1", "idempotency_key": "k" * 65}])
def test_a_tampered_hidden_field_is_named_on_the_page(client_for, user, fields):
    demonstration = DemonstrationFactory(author=user)
    response = client_for(user).post(url("demonstration-edit", demonstration), form_data(response="New.", **fields))
    assert response.status_code == 200
    bad = next(iter(response.context["form"].errors))
    assert f"{bad}: ".encode() in response.content
    assert Demonstration.objects.get(pk=demonstration.pk).version == 1


def test_the_same_edit_posted_twice_is_accepted_once(client_for, user):
    demonstration = DemonstrationFactory(author=user)
    client = client_for(user)
    for _ in range(2):
        response = client.post(url("demonstration-edit", demonstration), form_data(response="Once.", version=1))
        assert response.status_code == 302
    assert Demonstration.objects.get(pk=demonstration.pk).version == 2


@pytest.mark.parametrize("action", ["save", "submit"])
def test_the_same_create_form_posted_twice_creates_one_record(client_for, user, action):
    client = client_for(user)
    key = idempotency_key_in(client.get(url("demonstration-create")))
    data = form_data(action=action, response="Minerals.", idempotency_key=key)
    first = client.post(url("demonstration-create"), data)
    second = client.post(url("demonstration-create"), data)
    assert Demonstration.objects.filter(author=user).count() == 1
    assert Revision.objects.count() == 1
    assert first.url == second.url


def test_two_create_forms_make_two_records(client_for, user):
    client = client_for(user)
    for _ in range(2):
        key = idempotency_key_in(client.get(url("demonstration-create")))
        client.post(url("demonstration-create"), form_data(idempotency_key=key))
    assert Demonstration.objects.filter(author=user).count() == 2


def test_the_idempotency_key_survives_a_validation_error(client_for, user):
    client = client_for(user)
    key = idempotency_key_in(client.get(url("demonstration-create")))
    failed = client.post(url("demonstration-create"), form_data(instruction="", idempotency_key=key))
    assert idempotency_key_in(failed) == key


def test_csrf_is_enforced_on_every_form(user):
    demonstration = DemonstrationFactory(author=user)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get(url("demonstration-create"))
    token = client.cookies["csrftoken"].value
    for target in [
        url("demonstration-create"),
        url("demonstration-edit", demonstration),
        url("demonstration-submit", demonstration),
        url("demonstration-delete", demonstration),
    ]:
        assert client.post(target, form_data(version=1)).status_code == 403
    assert Demonstration.objects.count() == 1
    assert Demonstration.objects.get().version == 1
    accepted = client.post(url("demonstration-create"), form_data(csrfmiddlewaretoken=token))
    assert accepted.status_code == 302
    assert Demonstration.objects.count() == 2


# Query bounds ----------------------------------------------------------------------------------


def count_queries(client, target):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(target).status_code == 200
    return len(queries)


def test_home_query_count_is_bounded(client_for, user, django_assert_max_num_queries):
    DemonstrationFactory.create_batch(5, author=user)
    client = client_for(user)
    with django_assert_max_num_queries(8):
        assert client.get(url("home")).status_code == 200


def test_the_list_query_count_does_not_grow_with_the_number_of_demonstrations(
    client_for, user, django_assert_max_num_queries
):
    client = client_for(user)
    DemonstrationFactory(author=user)
    with_one = count_queries(client, url("demonstration-list"))
    for key in ALL_KEYS:
        DemonstrationFactory.create_batch(3, author=user, category=category(key), status=Status.SUBMITTED)
    assert Demonstration.objects.filter(author=user).count() >= 20
    with_many = count_queries(client, url("demonstration-list"))
    assert with_many == with_one
    with django_assert_max_num_queries(9):
        client.get(url("demonstration-list"))


def test_the_detail_query_count_does_not_grow_with_revisions(client_for, user, django_assert_max_num_queries):
    client = client_for(user)
    client.post(url("demonstration-create"), form_data(response="v1"))
    demonstration = Demonstration.objects.get()
    one = count_queries(client, url("demonstration-detail", demonstration))
    for version in range(1, 7):
        client.post(url("demonstration-edit", demonstration), form_data(response=f"v{version + 1}", version=version))
    assert demonstration.revisions.count() == 7
    assert count_queries(client, url("demonstration-detail", demonstration)) == one
    with django_assert_max_num_queries(8):
        client.get(url("demonstration-detail", demonstration))


def test_the_edit_form_query_count_is_bounded(client_for, user, django_assert_max_num_queries):
    demonstration = DemonstrationFactory(author=user)
    client = client_for(user)
    with django_assert_max_num_queries(9):
        assert client.get(url("demonstration-edit", demonstration)).status_code == 200
    with django_assert_max_num_queries(9):
        assert client.get(url("demonstration-create")).status_code == 200


def test_the_new_page_posted_again_after_an_edit_never_puts_old_text_back(client_for, user):
    client = client_for(user)
    first = form_data(response="First text.", idempotency_key="page-1")
    assert client.post(url("demonstration-create"), first).status_code == 302
    demonstration = Demonstration.objects.get()
    services.demonstration_update(
        demonstration=demonstration, editor=user, expected_version=1, changes={"response": "Newer text."}
    )

    replay = client.post(url("demonstration-create"), first)
    assert replay.status_code == 302
    other = client.post(url("demonstration-create"), form_data(response="Typed later.", idempotency_key="page-1"))
    assert other.status_code == 409
    assert "NOT been saved" in other.content.decode() and "Typed later." in other.content.decode()
    demonstration.refresh_from_db()
    assert (demonstration.response, demonstration.version, Demonstration.objects.count()) == ("Newer text.", 2, 1)
