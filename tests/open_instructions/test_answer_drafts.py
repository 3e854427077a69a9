"""An answer being written is saved as a draft, and submitting it answers the instruction."""

import json

import pytest
from django.urls import reverse

from annotations import services as demonstration_services
from annotations.models import Category, Demonstration, OpenInstruction, Status
from open_instructions import drafts, services
from open_instructions.exceptions import AlreadyAnswered
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RESPONSE = "Keep it as a plant support, a drying rack for socks, or a frame for a tiny greenhouse."


@pytest.fixture
def posed(user):
    return services.open_instruction_create(
        author=user, category=Category.objects.get(key="brainstorming"), instruction="Uses for an old umbrella?"
    )


def autosave(client, posed, **body):
    return client.post(
        reverse("open-instruction-autosave", args=[posed.public_id]), json.dumps(body), content_type="application/json"
    )


def test_typing_an_answer_saves_one_draft_that_credits_the_poser(client_for, posed, other_user):
    client = client_for(other_user)
    first = autosave(client, posed, instruction="", response="A plant support.")
    assert first.status_code == 201
    second = autosave(client, posed, instruction="", response=RESPONSE, version=first.json()["version"])
    assert second.status_code == 200
    draft = Demonstration.objects.get(author=other_user)
    assert draft.status == Status.DRAFT
    assert draft.instruction_author == posed.author
    assert draft.instruction == posed.instruction and draft.response == RESPONSE
    assert draft.version == second.json()["version"] == 2
    stale = autosave(client, posed, instruction="", response="Older text.", version=1)
    assert stale.status_code == 409
    posed.refresh_from_db()
    assert posed.state == OpenInstruction.State.OPEN

    page = client.get(reverse("open-instruction-answer", args=[posed.public_id])).content.decode()
    assert RESPONSE in page and "data-autosave-url" in page and "js/autosave.js" in page
    current = client.get(reverse("open-instruction-autosave", args=[posed.public_id]))
    assert current.json()["fields"]["response"] == RESPONSE


def test_submitting_the_answer_submits_the_draft_and_answers_the_instruction(client_for, posed, other_user):
    client = client_for(other_user)
    autosave(client, posed, instruction="", response="A plant support.")
    response = client.post(
        reverse("open-instruction-answer", args=[posed.public_id]),
        {"instruction": posed.instruction, "response": RESPONSE, "action": "submit"},
    )
    assert response.status_code == 302
    answer = Demonstration.objects.get(author=other_user)
    assert answer.status == Status.SUBMITTED and answer.response == RESPONSE
    posed.refresh_from_db()
    assert posed.state == OpenInstruction.State.ANSWERED and posed.answer == answer


def test_a_draft_submitted_from_its_edit_page_answers_too_unless_someone_was_first(posed, other_user):
    late = UserFactory(username="lena")
    mine = drafts.answer_draft_save(open_instruction=posed, answerer=other_user, instruction="", response=RESPONSE)
    theirs = drafts.answer_draft_save(open_instruction=posed, answerer=late, instruction="", response=RESPONSE)
    demonstration_services.demonstration_submit(demonstration=mine, actor=other_user)
    posed.refresh_from_db()
    assert posed.state == OpenInstruction.State.ANSWERED and posed.answer_id == mine.pk

    with pytest.raises(AlreadyAnswered):
        demonstration_services.demonstration_submit(demonstration=theirs, actor=late)
    assert Demonstration.objects.get(pk=theirs.pk).status == Status.DRAFT
    with pytest.raises(AlreadyAnswered):
        drafts.answer_draft_save(open_instruction=posed, answerer=late, instruction="", response="More.")


def test_nobody_drafts_an_answer_to_their_own_instruction(client_for, posed, user):
    assert autosave(client_for(user), posed, instruction="", response=RESPONSE).status_code == 403
    assert not Demonstration.objects.exists()
