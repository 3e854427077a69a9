"""The write services: drafts, submissions, revisions, optimistic concurrency and idempotency."""

import pytest
from django.core.exceptions import ValidationError

from annotations import services
from annotations.exceptions import IdempotencyConflict, StaleEdit, TransitionNotAllowed
from annotations.models import Demonstration, Origin, Revision, Status
from tests.factories import DemonstrationFactory, category

pytestmark = pytest.mark.django_db

SOURCE = "https://en.wikipedia.org/wiki/Lighthouse"


def create(author, **kwargs):
    values = {"category": category("open_qa"), "instruction": "Why is the sea salty?"} | kwargs
    return services.demonstration_create(author=author, **values)


def update(demonstration, editor, expected_version, submit=False, **changes):
    return services.demonstration_update(
        demonstration=demonstration,
        editor=editor,
        expected_version=expected_version,
        changes=changes,
        submit=submit,
    )


def snapshot(demonstration):
    stored = Demonstration.objects.get(pk=demonstration.pk)
    return (
        stored.status,
        stored.version,
        stored.instruction,
        stored.context,
        stored.response,
        stored.revisions.count(),
    )


# Create ----------------------------------------------------------------------------------------


def test_create_saves_a_draft_with_its_first_revision(user):
    demonstration, created = create(user, instruction="  Why is the sea salty?\n", response="")
    assert created
    demonstration.refresh_from_db()
    assert demonstration.status == Status.DRAFT
    assert demonstration.version == 1
    assert demonstration.instruction == "Why is the sea salty?"
    assert demonstration.submitted_at is None
    assert demonstration.origin == Origin.WEB
    revision = demonstration.revisions.get()
    assert (revision.version, revision.editor, revision.instruction) == (1, user, "Why is the sea salty?")


def test_create_with_submit_stores_a_submitted_demonstration(user):
    demonstration, created = create(user, response="Minerals.", submit=True, origin=Origin.API)
    demonstration.refresh_from_db()
    assert created
    assert demonstration.status == Status.SUBMITTED
    assert demonstration.submitted_at is not None
    assert demonstration.origin == Origin.API


def test_create_with_submit_applies_the_full_rules_and_stores_nothing_on_error(user):
    with pytest.raises(ValidationError) as caught:
        create(user, category=category("closed_qa"), response="An answer.", submit=True)
    assert set(caught.value.message_dict) == {"context", "source_url"}
    assert not Demonstration.objects.exists()
    assert not Revision.objects.exists()


def test_the_same_idempotency_key_returns_the_first_record(user):
    first, created = create(user, idempotency_key="k-1")
    again, created_again = create(user, idempotency_key="k-1")
    assert created and not created_again
    assert again.pk == first.pk
    assert Demonstration.objects.count() == 1
    assert Revision.objects.count() == 1
    assert Demonstration.objects.get().instruction == "Why is the sea salty?"


def test_the_same_idempotency_key_with_other_content_is_a_conflict_that_writes_nothing(user):
    first, _ = create(user, idempotency_key="k-1")
    with pytest.raises(IdempotencyConflict) as caught:
        create(user, idempotency_key="k-1", instruction="Something else")
    assert caught.value.demonstration.pk == first.pk
    assert Demonstration.objects.get().instruction == "Why is the sea salty?"
    assert Revision.objects.count() == 1


def test_idempotency_keys_are_per_author(user, other_user):
    mine, _ = create(user, idempotency_key="shared")
    theirs, created = create(other_user, idempotency_key="shared")
    assert created
    assert mine.pk != theirs.pk


def test_without_a_key_two_calls_make_two_records(user):
    create(user)
    create(user)
    assert Demonstration.objects.filter(author=user).count() == 2


def test_a_concurrent_request_with_the_same_key_wins_the_race_and_its_record_is_returned(user, monkeypatch):
    """The other request inserts between this one's look-up and its insert: the unique constraint decides."""
    real_check = services.check_demonstration
    winner = {}

    def check_then_lose_the_race(**kwargs):
        monkeypatch.setattr(services, "check_demonstration", real_check)
        winner["record"], _ = create(user, idempotency_key="race")
        return real_check(**kwargs)

    monkeypatch.setattr(services, "check_demonstration", check_then_lose_the_race)
    demonstration, created = create(user, idempotency_key="race")
    assert not created
    assert demonstration.pk == winner["record"].pk
    assert Demonstration.objects.filter(author=user).count() == 1
    assert Revision.objects.filter(demonstration__author=user).count() == 1


# Update ----------------------------------------------------------------------------------------


def test_each_text_change_keeps_a_revision_and_bumps_the_version(user):
    demonstration, _ = create(user)
    demonstration = update(demonstration, user, 1, response="Minerals from rivers.")
    demonstration = update(demonstration, user, 2, instruction="Why are seas salty?")
    assert demonstration.version == 3
    revisions = list(demonstration.revisions.order_by("version"))
    assert [r.version for r in revisions] == [1, 2, 3]
    assert [r.response for r in revisions] == ["", "Minerals from rivers.", "Minerals from rivers."]
    assert revisions[0].instruction == "Why is the sea salty?"
    assert revisions[2].instruction == "Why are seas salty?"
    assert all(r.editor == user for r in revisions)


def test_changing_only_the_category_keeps_a_revision(user):
    demonstration, _ = create(user)
    demonstration = update(demonstration, user, 1, category=category("general_qa"))
    assert demonstration.version == 2
    assert demonstration.revisions.get(version=2).category.key == "general_qa"


@pytest.mark.parametrize(
    "changes", [{}, {"instruction": "Why is the sea salty?"}, {"instruction": "  Why is the sea salty?  "}]
)
def test_an_edit_that_changes_nothing_keeps_no_revision(user, changes):
    demonstration, _ = create(user)
    result = update(demonstration, user, 1, **changes)
    assert result.version == 1
    assert demonstration.revisions.count() == 1


def test_a_stale_edit_raises_and_stores_nothing(user):
    demonstration, _ = create(user)
    update(demonstration, user, 1, response="Newer text from another tab.")
    before = snapshot(demonstration)
    with pytest.raises(StaleEdit) as caught:
        update(demonstration, user, 1, response="Older text from this tab.")
    assert caught.value.current_version == 2
    assert "version 2" in str(caught.value)
    assert snapshot(demonstration) == before
    assert Demonstration.objects.get(pk=demonstration.pk).response == "Newer text from another tab."


def test_a_replay_of_the_same_edit_is_accepted_without_a_new_version(user):
    demonstration, _ = create(user)
    first = update(demonstration, user, 1, response="Minerals.")
    replay = update(demonstration, user, 1, response="Minerals. ")
    assert replay.pk == first.pk
    assert replay.version == 2
    assert demonstration.revisions.count() == 2


def test_a_replay_of_save_and_submit_is_accepted(user):
    demonstration, _ = create(user)
    update(demonstration, user, 1, response="Minerals.", submit=True)
    replay = update(demonstration, user, 1, response="Minerals.", submit=True)
    assert replay.status == Status.SUBMITTED
    assert replay.version == 2


def test_an_invalid_edit_raises_by_field_and_stores_nothing(user):
    demonstration, _ = create(user)
    before = snapshot(demonstration)
    with pytest.raises(ValidationError) as caught:
        update(demonstration, user, 1, instruction="", response="bad\x00byte")
    assert set(caught.value.message_dict) == {"instruction", "response"}
    assert snapshot(demonstration) == before


def test_edit_and_submit_in_one_step_validates_the_full_rules(user):
    demonstration, _ = create(user, category=category("summarization"))
    with pytest.raises(ValidationError) as caught:
        update(demonstration, user, 1, response="Short.", submit=True)
    assert set(caught.value.message_dict) == {"context", "source_url"}
    result = update(
        demonstration, user, 1, response="Short.", context="A long passage.", source_url=SOURCE, submit=True
    )
    assert result.status == Status.SUBMITTED
    assert result.version == 2


def test_a_sent_back_demonstration_can_be_edited(user):
    demonstration = DemonstrationFactory(author=user, status=Status.CHANGES_REQUESTED, response="Old.")
    result = update(demonstration, user, 1, response="Fixed.")
    assert (result.status, result.version, result.response) == (Status.CHANGES_REQUESTED, 2, "Fixed.")


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.APPROVED, Status.REJECTED])
def test_edits_are_refused_once_submitted_or_decided(user, status):
    demonstration = DemonstrationFactory(author=user, status=status)
    before = snapshot(demonstration)
    with pytest.raises(TransitionNotAllowed):
        update(demonstration, user, 1, response="Sneaky change.")
    assert snapshot(demonstration) == before


def test_imported_records_need_no_source_url_when_edited_and_submitted(user):
    demonstration = DemonstrationFactory(
        author=user,
        origin=Origin.IMPORT,
        category=category("closed_qa"),
        context="A passage from the archive.",
        response="An answer.",
    )
    result = update(demonstration, user, 1, response="A better answer.", submit=True)
    assert result.status == Status.SUBMITTED
    assert result.source_url == ""


def test_web_records_in_a_context_category_do_need_a_source_url(user):
    demonstration = DemonstrationFactory(
        author=user,
        origin=Origin.WEB,
        category=category("closed_qa"),
        context="A passage.",
        response="An answer.",
    )
    with pytest.raises(ValidationError) as caught:
        services.demonstration_submit(demonstration=demonstration, actor=user)
    assert list(caught.value.message_dict) == ["source_url"]


# Submit ----------------------------------------------------------------------------------------


def test_submit_moves_a_draft_to_review_and_bumps_the_version(user):
    demonstration, _ = create(user, response="Minerals.")
    result = services.demonstration_submit(demonstration=demonstration, actor=user, expected_version=1)
    assert (result.status, result.version) == (Status.SUBMITTED, 2)
    assert result.submitted_at is not None
    assert demonstration.revisions.count() == 1


def test_submit_is_idempotent(user):
    demonstration, _ = create(user, response="Minerals.")
    first = services.demonstration_submit(demonstration=demonstration, actor=user)
    again = services.demonstration_submit(demonstration=demonstration, actor=user, expected_version=1)
    assert (again.status, again.version, again.submitted_at) == (Status.SUBMITTED, 2, first.submitted_at)


def test_submit_of_an_incomplete_draft_names_the_missing_fields(user):
    demonstration, _ = create(user, category=category("information_extraction"))
    with pytest.raises(ValidationError) as caught:
        services.demonstration_submit(demonstration=demonstration, actor=user)
    assert set(caught.value.message_dict) == {"response", "context", "source_url"}
    assert Demonstration.objects.get(pk=demonstration.pk).status == Status.DRAFT


def test_submit_with_a_stale_version_is_refused(user):
    demonstration, _ = create(user, response="Minerals.")
    update(demonstration, user, 1, response="Minerals from rivers.")
    with pytest.raises(StaleEdit):
        services.demonstration_submit(demonstration=demonstration, actor=user, expected_version=1)
    assert Demonstration.objects.get(pk=demonstration.pk).status == Status.DRAFT


@pytest.mark.parametrize("status", [Status.APPROVED, Status.REJECTED])
def test_submit_of_a_decided_demonstration_is_refused(user, status):
    demonstration = DemonstrationFactory(author=user, status=status)
    with pytest.raises(TransitionNotAllowed):
        services.demonstration_submit(demonstration=demonstration, actor=user)
    assert Demonstration.objects.get(pk=demonstration.pk).status == status


def test_a_sent_back_demonstration_can_be_submitted_again(user):
    demonstration = DemonstrationFactory(author=user, status=Status.CHANGES_REQUESTED)
    assert services.demonstration_submit(demonstration=demonstration, actor=user).status == Status.SUBMITTED


# Delete ----------------------------------------------------------------------------------------


def test_delete_removes_a_draft_and_its_revisions(user):
    demonstration, _ = create(user)
    update(demonstration, user, 1, response="More.")
    with pytest.raises(StaleEdit):
        services.demonstration_delete(demonstration=demonstration, actor=user, expected_version=1)
    assert Demonstration.objects.exists()
    services.demonstration_delete(demonstration=demonstration, actor=user, expected_version=2)
    assert not Demonstration.objects.exists()
    assert not Revision.objects.exists()


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.APPROVED, Status.REJECTED, Status.CHANGES_REQUESTED])
def test_only_drafts_can_be_deleted(user, status):
    demonstration = DemonstrationFactory(author=user, status=status)
    with pytest.raises(TransitionNotAllowed):
        services.demonstration_delete(demonstration=demonstration, actor=user, expected_version=1)
    assert Demonstration.objects.filter(pk=demonstration.pk).exists()
