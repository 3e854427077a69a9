"""Explicit extension points: how a lower app lets a higher one act on its events.

A lower app (annotations, review) declares a ``Hook`` and calls it where the event happens;
a higher app (leaderboard) connects its receivers in its ``AppConfig.ready()``.  Calls are
plain synchronous function calls, in the caller's transaction, in the order the receivers
were connected: a receiver that raises stops the caller, and what it wrote commits or rolls
back with the caller's change.  Unlike model signals, every hook is named where it is
called and every receiver is connected in one visible place.
"""


class Hook:
    """A list of receivers called with the arguments the hook is called with."""

    def __init__(self, name):
        self.name = name
        self._receivers = []

    def connect(self, receiver):
        """Call ``receiver`` at every call of the hook (connecting it twice is harmless)."""
        if receiver not in self._receivers:
            self._receivers.append(receiver)
        return receiver

    def disconnect(self, receiver):
        if receiver in self._receivers:
            self._receivers.remove(receiver)

    @property
    def receivers(self):
        return tuple(self._receivers)

    def __call__(self, *args, **kwargs):
        for receiver in self._receivers:
            receiver(*args, **kwargs)

    def __repr__(self):
        return f"<Hook {self.name}: {len(self._receivers)} receiver(s)>"


class Provider:
    """One function a higher app supplies to answer a lower app's question.

    Until a higher app provides it, calls return ``default(*args, **kwargs)``.
    """

    def __init__(self, name, *, default):
        self.name = name
        self._default = default
        self._function = None

    def provide(self, function):
        self._function = function
        return function

    def __call__(self, *args, **kwargs):
        return (self._function or self._default)(*args, **kwargs)

    def __repr__(self):
        return f"<Provider {self.name}: {'provided' if self._function else 'default'}>"
