from django.utils.translation import gettext as _

from annotations.exceptions import TransitionNotAllowed
from annotations.models import OpenInstruction

State = OpenInstruction.State


class AlreadyAnswered(TransitionNotAllowed):
    code = "already_answered"

    def __init__(self, open_instruction):
        super().__init__(
            _("This instruction was already answered; your text was not saved.")
            if open_instruction.state == State.ANSWERED
            else _("This instruction was withdrawn by its author; your text was not saved.")
        )
