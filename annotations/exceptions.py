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
