"""Webhook signing secrets at rest: encrypted (Fernet: AES-128-CBC with HMAC-SHA256), never stored as typed.

Signing needs the secret itself, so it cannot be hashed.  The encryption keys are derived (HKDF-SHA256)
from ``DOLLY_WEBHOOK_KEYS``, newest first: the first encrypts, every one decrypts, so a key is rotated
by putting the new one in front, running ``manage.py rotate_webhook_keys`` and then dropping the old
one.  With ``DOLLY_WEBHOOK_KEYS`` unset they come from ``SECRET_KEY`` and ``SECRET_KEY_FALLBACKS``,
which rotate the same way.
"""

import base64

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_INFO = b"dolly-collect webhook signing secrets"


class SecretUnreadable(Exception):
    """No configured key decrypts the stored secret (its key was dropped before the rotation)."""


# cryptography (about 25 ms of imports) is loaded when a secret is first written or read, not at
# every command's start-up: the webhook models import this module.


def _fernet(key_material):
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(key_material.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(derived))


def key_materials():
    keys = list(settings.DOLLY_WEBHOOK_KEYS) or [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    keys = [key for key in keys if key]
    if not keys:
        raise ImproperlyConfigured("DOLLY_WEBHOOK_KEYS or SECRET_KEY must be set to store webhook secrets.")
    return keys


def _keys():
    from cryptography.fernet import MultiFernet

    return MultiFernet([_fernet(key) for key in key_materials()])


def encrypt(secret):
    """The text stored for ``secret``: a Fernet token under the newest key."""
    return _keys().encrypt(secret.encode("utf-8")).decode("ascii")


def _unreadable():
    """What a token that no key reads (or that is not a token) raises."""
    from cryptography.fernet import InvalidToken

    return (InvalidToken, ValueError, UnicodeError)


def decrypt(token):
    try:
        return _keys().decrypt(token.encode("ascii")).decode("utf-8")
    except _unreadable():
        raise SecretUnreadable from None


def rotate(token):
    """The same secret encrypted under the newest key (``SecretUnreadable`` if no key reads it)."""
    try:
        return _keys().rotate(token.encode("ascii")).decode("ascii")
    except _unreadable():
        raise SecretUnreadable from None
