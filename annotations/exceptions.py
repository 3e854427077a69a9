from django.utils.translation import gettext as _

from core.exceptions import Conflict


class StaleEdit(Conflict):
    """The demonstration changed since the caller read it: their version is stale."""

    code = "stale_version"

    def __init__(self, current_version):
        self.current_version = current_version
        super().__init__(
            _("This demonstration was changed elsewhere (it is now at version %(version)s) since you opened it.")
            % {"version": current_version}
        )

    def details(self):
        return {"current_version": self.current_version}


class TransitionNotAllowed(Conflict):
    """The demonstration's status does not allow the requested change."""

    code = "not_allowed"


class IdempotencyConflict(Exception):
    """An idempotency key already created ``demonstration`` from a different request."""

    def __init__(self, demonstration):
        self.demonstration = demonstration
        super().__init__(
            _(
                "This idempotency key was already used for a different request (it created demonstration "
                "%(id)s): send a new key for new content."
            )
            % {"id": demonstration.public_id}
        )
