"""Single sign-on settings, read from the environment (see the package's docstring)."""

from .environment import env

# Single sign-on with an OpenID Connect provider (accounts/sso.py, on mozilla-django-oidc): on when
# a client id and the issuer (whose discovery document gives the endpoints) or the endpoints are set.
OIDC_ISSUER = env.str("OIDC_ISSUER", default="").rstrip("/")
OIDC_RP_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_USERINFO_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_JWKS_ENDPOINT", default="")
OIDC_RP_SIGN_ALGO = env.str("OIDC_SIGN_ALGORITHM", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_SCOPES", default="openid email profile")
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT_SECONDS", default=10)
# The claim listing the person's groups, and the groups that make a reviewer or an admin.  With no
# claim named, roles are managed in the site; with one, every SSO sign-in sets them from the claim.
OIDC_GROUPS_CLAIM = env.str("OIDC_GROUPS_CLAIM", default="")
OIDC_REVIEWER_GROUPS = env.list("OIDC_REVIEWER_GROUPS", default=[])
OIDC_ADMIN_GROUPS = env.list("OIDC_ADMIN_GROUPS", default=[])
SSO_PROVIDER_NAME = env.str("SSO_PROVIDER_NAME", default="")
SSO_ENABLED = bool(
    OIDC_RP_CLIENT_ID
    and (OIDC_ISSUER or (OIDC_OP_AUTHORIZATION_ENDPOINT and OIDC_OP_TOKEN_ENDPOINT and OIDC_OP_USER_ENDPOINT))
)
# Signing out of a single sign-on session also ends the provider's (RP-initiated logout), at its
# discovery document's end_session_endpoint or this one; off, only the site's session ends.
OIDC_OP_LOGOUT_ENDPOINT = env.str("OIDC_END_SESSION_ENDPOINT", default="")
OIDC_LOGOUT_AT_PROVIDER = env.bool("OIDC_LOGOUT_AT_PROVIDER", default=True)
OIDC_OP_LOGOUT_URL_METHOD = "accounts.sso.provider_logout_url"
OIDC_STORE_ID_TOKEN = True  # kept in the (database) session for the id_token_hint of the sign-out
OIDC_USE_PKCE = True
OIDC_AUTHENTICATION_CALLBACK_URL = "sso-callback"
OIDC_REDIRECT_FIELD_NAME = "next"
