from django.utils.translation import gettext as _


class StaleEdit(Exception):
    """The demonstration changed since the caller read it: their version is stale."""

    def __init__(self, current_version):
        self.current_version = current_version
        super().__init__(
            _("This demonstration was changed elsewhere (it is now at version %(version)s) since you opened it.")
            % {"version": current_version}
        )


class TransitionNotAllowed(Exception):
    """The demonstration's status does not allow the requested change."""
