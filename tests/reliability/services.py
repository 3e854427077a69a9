"""Helpers for tests that break a backing service on purpose, on this machine only."""

import socket


def dead_port():
    """A loopback port nothing listens on: connecting to it is refused at once, like a stopped Redis."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def dead_redis_url():
    return f"redis://127.0.0.1:{dead_port()}/0"
