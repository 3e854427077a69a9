from django.conf import settings
from django.core.checks import Error, register


@register()
def someone_can_sign_in(app_configs, **kwargs):
    if settings.PASSWORD_LOGIN_ENABLED or settings.SSO_ENABLED:
        return []
    return [
        Error(
            "PASSWORD_LOGIN_ENABLED is off and single sign-on is not configured: nobody could sign in.",
            hint="Set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET, or turn PASSWORD_LOGIN_ENABLED back on.",
            id="accounts.E001",
        )
    ]
