"""Open instructions: posed by one contributor, answered by another.

Decisions: an open instruction is its own model, not a demonstration status, so the pool
never mixes with the review queue and a demonstration always has a response.  Answering
submits a demonstration (the answerer's draft answer if there is one, see ``drafts``; a
draft holds no instruction hostage): the answerer is its author, the poser its
``instruction_author``.  The answerer may rephrase
the instruction; the reference text stays the poser's.  The open instruction row is locked
while answering, so it is answered exactly once; nobody answers their own.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from annotations.models import OpenInstruction, Origin
from annotations.services import demonstration_create, demonstration_update
from annotations.validation import check_demonstration

from . import drafts
from .exceptions import AlreadyAnswered

State = OpenInstruction.State


def open_instruction_create(*, author, category, instruction, context="", source_url=""):
    """Post an instruction (and the reference text its category needs) for someone else to answer."""
    text = check_demonstration(
        category=category,
        instruction=instruction,
        context=context,
        source_url=source_url,
        complete=True,
        require_response=False,
    )
    return OpenInstruction.objects.create(
        author=author,
        category=category,
        instruction=text.instruction,
        context=text.context,
        source_url=text.source_url,
    )


@transaction.atomic
def open_instruction_answer(*, open_instruction, answerer, response, instruction=None, origin=Origin.WEB):
    """Answer ``open_instruction``: a submitted demonstration by ``answerer`` recording the poser.

    ``instruction`` is the answerer's rephrasing (the original when not given).  Refused
    with ``PermissionDenied`` for one's own instruction and ``AlreadyAnswered`` when it is no
    longer open; a ``ValidationError`` names the field.  Returns the demonstration.
    """
    current = (
        OpenInstruction.objects.select_for_update(of=("self",))
        .select_related("category")
        .get(
            pk=open_instruction.pk,
        )
    )
    if current.author_id == answerer.pk:
        raise PermissionDenied(_("You cannot answer your own instruction."))
    if current.state != State.OPEN:
        raise AlreadyAnswered(current)
    if instruction is None or not str(instruction).strip():
        instruction = current.instruction
    if not current.category.is_active:
        raise ValidationError(
            {
                "category": [
                    _("The category “%(name)s” is closed to new demonstrations.") % {"name": current.category.name}
                ]
            }
        )
    draft = drafts.answer_draft(open_instruction=current, answerer=answerer)
    if draft is not None:
        # Submitting the draft answers the instruction (``drafts.on_submit``).
        return demonstration_update(
            demonstration=draft,
            editor=answerer,
            expected_version=draft.version,
            changes={"instruction": instruction, "response": response},
            submit=True,
        )
    demonstration, _created = demonstration_create(
        author=answerer,
        category=current.category,
        instruction=instruction,
        context=current.context,
        source_url=current.source_url,
        response=response,
        origin=origin,
        submit=True,
        instruction_author=current.author,
    )
    current.state = State.ANSWERED
    current.answer = demonstration
    current.answered_at = timezone.now()
    current.save(update_fields=["state", "answer", "answered_at"])
    return demonstration


@transaction.atomic
def open_instruction_withdraw(*, open_instruction, actor):
    """The poser takes back an instruction nobody has answered yet."""
    current = OpenInstruction.objects.select_for_update().get(pk=open_instruction.pk)
    if current.author_id != actor.pk:
        raise PermissionDenied(_("Only the author can withdraw this instruction."))
    if current.state != State.OPEN:
        raise AlreadyAnswered(current)
    current.state = State.WITHDRAWN
    current.save(update_fields=["state"])
    return current
