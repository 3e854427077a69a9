"""Drafts of answers: an answer being written is saved like any demonstration being written.

The draft is the answerer's own demonstration, found again by a key naming the open
instruction (``answer:<id>``) and crediting the poser.  It reserves nothing: the instruction
stays in the pool, and whoever submits an answer first answers it.  Submitting the draft,
from the answer page or from the ordinary edit page, is what answers the instruction
(``on_submit``, connected to ``annotations.hooks.before_submit``).
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from annotations import services as demonstration_services
from annotations.models import Demonstration, OpenInstruction, Origin, Status

from .exceptions import AlreadyAnswered

KEY_PREFIX = "answer:"
State = OpenInstruction.State


def draft_key(open_instruction):
    return f"{KEY_PREFIX}{open_instruction.public_id}"


def answer_draft(*, open_instruction, answerer):
    """``answerer``'s draft answer to ``open_instruction``, or ``None``."""
    return Demonstration.objects.filter(
        author=answerer, idempotency_key=draft_key(open_instruction), status=Status.DRAFT
    ).first()


@transaction.atomic
def answer_draft_save(*, open_instruction, answerer, instruction, response, expected_version=None):
    """Save ``answerer``'s text as the draft answer (created on the first save).

    Refused like an answer: ``PermissionDenied`` for one's own instruction, ``AlreadyAnswered``
    once it is no longer open; a later save at an old ``expected_version`` raises ``StaleEdit``.
    """
    if open_instruction.author_id == answerer.pk:
        raise PermissionDenied(_("You cannot answer your own instruction."))
    current = OpenInstruction.objects.select_related("category").get(pk=open_instruction.pk)
    if current.state != State.OPEN:
        raise AlreadyAnswered(current)
    draft = answer_draft(open_instruction=current, answerer=answerer)
    if draft is not None:
        return demonstration_services.demonstration_update(
            demonstration=draft,
            editor=answerer,
            expected_version=draft.version if expected_version is None else expected_version,
            changes={"instruction": instruction or current.instruction, "response": response},
        )
    draft, _created = demonstration_services.demonstration_create(
        author=answerer,
        category=current.category,
        instruction=instruction or current.instruction,
        context=current.context,
        source_url=current.source_url,
        response=response,
        origin=Origin.WEB,
        idempotency_key=draft_key(current),
        instruction_author=current.author,
    )
    return draft


def on_submit(author, *, excluding):
    """A draft answer is being submitted: it answers its instruction, unless someone was first."""
    if excluding is None or not excluding.idempotency_key.startswith(KEY_PREFIX):
        return
    public_id = excluding.idempotency_key[len(KEY_PREFIX) :]
    current = OpenInstruction.objects.select_for_update(of=("self",)).filter(public_id=public_id).first()
    if current is None or current.answer_id == excluding.pk:
        return
    if current.state != State.OPEN:
        raise AlreadyAnswered(current)
    current.state = State.ANSWERED
    current.answer = excluding
    current.answered_at = timezone.now()
    current.save(update_fields=["state", "answer", "answered_at"])
