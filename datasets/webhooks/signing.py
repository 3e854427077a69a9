"""``X-Dolly-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``."""

import hashlib
import hmac
import time

HEADER = "X-Dolly-Signature"


def signature(secret, body, timestamp):
    message = f"{int(timestamp)}.".encode() + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secret, body, timestamp=None):
    timestamp = int(time.time() if timestamp is None else timestamp)
    return f"t={timestamp},v1={signature(secret, body, timestamp)}"


def verify(secret, body, header, *, tolerance=300, now=None):
    """True when ``header`` signs ``body`` with ``secret`` and its time is within ``tolerance`` seconds."""
    parts = dict(part.split("=", 1) for part in (header or "").split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(parts.get("v1", ""), signature(secret, body, timestamp))
