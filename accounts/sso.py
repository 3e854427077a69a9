"""Single sign-on with the company's OpenID Connect provider, on mozilla-django-oidc.

The library runs the authorisation-code flow (state, nonce, PKCE, the token request, the ID
token's signature).  This module adds what it leaves to the site: the provider's endpoints read
from its discovery document, the ID token's issuer and audience checked, and the claims turned
into an account by ``accounts.services.user_sso_sign_in``.  Nothing here runs unless
``SSO_ENABLED`` (a client id and an issuer or endpoints are configured).
"""

import logging
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.shortcuts import resolve_url
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from . import names, services
from .services import SignInRefused

logger = logging.getLogger(__name__)

DISCOVERY_PATH = "/.well-known/openid-configuration"
DISCOVERY_MAX_AGE = 3600
_ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    "OIDC_OP_LOGOUT_ENDPOINT": "end_session_endpoint",
}
ID_TOKEN_SESSION_KEY = "oidc_id_token"  # where mozilla-django-oidc keeps the ID token (OIDC_STORE_ID_TOKEN)
_discovered = {}


class ProviderUnavailable(Exception):
    """The identity provider could not be reached or answered nonsense."""


def _discovery():
    issuer = settings.OIDC_ISSUER
    cached = _discovered.get(issuer)
    if cached and time.monotonic() - cached[0] < DISCOVERY_MAX_AGE:
        return cached[1]
    try:
        response = requests.get(issuer + DISCOVERY_PATH, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(f"{issuer}{DISCOVERY_PATH}: {error}") from error
    if not isinstance(document, dict) or document.get("issuer", "").rstrip("/") != issuer:
        raise ProviderUnavailable(f"{issuer}{DISCOVERY_PATH} names another issuer")
    _discovered[issuer] = (time.monotonic(), document)
    return document


def provider_setting(name):
    """An endpoint from the settings, else from the provider's discovery document."""
    configured = getattr(settings, name)
    if configured or name not in _ENDPOINTS or not settings.OIDC_ISSUER:
        return configured
    endpoint = _discovery().get(_ENDPOINTS[name])
    if not endpoint:
        raise ProviderUnavailable(f"the discovery document has no {_ENDPOINTS[name]}")
    return endpoint


def provider_logout_url(request):
    """Where signing out sends the person: for a session that came from single sign-on, the
    provider's end-session endpoint (OpenID Connect RP-initiated logout, with ``id_token_hint``
    and a ``post_logout_redirect_uri`` built on ``DOLLY_SITE_URL``), so the provider's session
    ends too; otherwise, or when the provider names no such endpoint or cannot be reached, the
    site's own page after signing out.  Read before the session is flushed
    (``OIDC_OP_LOGOUT_URL_METHOD``)."""
    after = resolve_url(settings.LOGOUT_REDIRECT_URL)
    id_token = request.session.get(ID_TOKEN_SESSION_KEY)
    if not (settings.SSO_ENABLED and settings.OIDC_LOGOUT_AT_PROVIDER and id_token):
        return after
    try:
        endpoint = provider_setting("OIDC_OP_LOGOUT_ENDPOINT")
    except ProviderUnavailable as error:
        logger.warning("single sign-on: signed out here only: %s", error)
        return after
    if not endpoint:
        return after
    query = urlencode(
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": settings.DOLLY_SITE_URL + after,
            "client_id": settings.OIDC_RP_CLIENT_ID,
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


@dataclass(frozen=True, kw_only=True)
class Identity:
    """What the provider says about the person, reduced to what the site uses."""

    issuer: str
    subject: str
    email: str
    email_verified: bool
    username_hint: str
    first_name: str
    last_name: str
    roles: frozenset | None  # None: the provider does not manage roles here


def _text(claims, key):
    value = claims.get(key)
    return names.without_hidden_characters(value).strip() if isinstance(value, str) else ""


def _roles(claims):
    if not settings.OIDC_GROUPS_CLAIM:
        return None
    groups = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    groups = {groups} if isinstance(groups, str) else {str(group) for group in groups if group is not None}
    roles = set()
    if groups & set(settings.OIDC_REVIEWER_GROUPS):
        roles.add("reviewer")
    if groups & set(settings.OIDC_ADMIN_GROUPS):
        roles.add("admin")
    return frozenset(roles)


def identity_from_claims(*, issuer, claims):
    first, last = _text(claims, "given_name"), _text(claims, "family_name")
    if not (first or last):
        first = _text(claims, "name")
    verified = claims.get("email_verified")
    return Identity(
        issuer=issuer,
        subject=str(claims["sub"]),
        email=_text(claims, "email"),
        email_verified=verified is True or (isinstance(verified, str) and verified.lower() == "true"),
        username_hint=_text(claims, "preferred_username") or _text(claims, "email").split("@")[0],
        first_name=first[:150],
        last_name=last[:150],
        roles=_roles(claims),
    )


class SSOBackend(OIDCAuthenticationBackend):
    """Authenticates the callback of a sign-in started on this site, and nothing else."""

    def __init__(self, *args, **kwargs):
        # Django builds a backend for every request that reads a session: no discovery here.
        self.UserModel = get_user_model()

    OIDC_OP_TOKEN_ENDPOINT = property(lambda self: provider_setting("OIDC_OP_TOKEN_ENDPOINT"))
    OIDC_OP_USER_ENDPOINT = property(lambda self: provider_setting("OIDC_OP_USER_ENDPOINT"))
    OIDC_OP_JWKS_ENDPOINT = property(lambda self: provider_setting("OIDC_OP_JWKS_ENDPOINT"))
    OIDC_RP_CLIENT_ID = property(lambda self: settings.OIDC_RP_CLIENT_ID)
    OIDC_RP_CLIENT_SECRET = property(lambda self: settings.OIDC_RP_CLIENT_SECRET)
    OIDC_RP_SIGN_ALGO = property(lambda self: settings.OIDC_RP_SIGN_ALGO)
    OIDC_RP_IDP_SIGN_KEY = None

    def authenticate(self, request, **kwargs):
        if not settings.SSO_ENABLED or "nonce" not in kwargs:
            return None  # a password sign-in, or SSO is off
        return super().authenticate(request, **kwargs)

    def retrieve_matching_jwk(self, token):
        if "kid" in jwt.get_unverified_header(token):
            return super().retrieve_matching_jwk(token)
        # A provider with a single signing key may leave the key id out (OpenID Connect Core 10.1).
        response = requests.get(self.OIDC_OP_JWKS_ENDPOINT, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        keys = [key for key in response.json().get("keys", []) if key.get("use", "sig") == "sig"]
        if len(keys) != 1:
            raise SuspiciousOperation("the ID token names no key and the provider has several")
        return jwt.PyJWK(keys[0])

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        if "nonce" not in kwargs:
            return payload  # a signed userinfo answer, not the ID token
        audience = payload.get("aud")
        audience = [audience] if isinstance(audience, str) else audience or []
        if settings.OIDC_RP_CLIENT_ID not in audience:
            raise SuspiciousOperation("the ID token is meant for another client")
        if settings.OIDC_ISSUER and str(payload.get("iss", "")).rstrip("/") != settings.OIDC_ISSUER:
            raise SuspiciousOperation("the ID token comes from another issuer")
        return payload

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        if str(claims.get("sub")) != str(payload.get("sub")):
            raise SuspiciousOperation("the userinfo answer is about someone else")
        issuer = settings.OIDC_ISSUER or str(payload.get("iss", "")).rstrip("/")
        identity = identity_from_claims(issuer=issuer, claims={**payload, **claims})
        return services.user_sso_sign_in(identity=identity)


class PasswordSignInSwitch:
    """First in AUTHENTICATION_BACKENDS: with PASSWORD_LOGIN_ENABLED off, no password is checked
    anywhere (sign-in page, admin, API token), so the rule lives in one place."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if password is not None and not settings.PASSWORD_LOGIN_ENABLED:
            raise PermissionDenied


__all__ = [
    "SSOBackend",
    "PasswordSignInSwitch",
    "ProviderUnavailable",
    "SignInRefused",
    "provider_logout_url",
    "provider_setting",
]
