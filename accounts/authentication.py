"""API authentication by machine key: ``Authorization: Api-Key <key>``.

Only the views that list this class accept a key (the release views, for dataset readers);
every other view does not know the header and answers 401, so a reader's key can never
reach drafts, reviews or anything else by mistake.
"""

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from . import services
from .models import MachineAccount

KEYWORD = "Api-Key"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].decode("latin-1").lower() != KEYWORD.lower():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Send the header as 'Authorization: Api-Key <key>'."))
        api_key = services.api_key_authenticate(raw=parts[1].decode("latin-1"))
        if api_key is None:
            raise exceptions.AuthenticationFailed(_("Unknown or revoked API key."))
        return MachineAccount(api_key), api_key

    def authenticate_header(self, request):
        return KEYWORD


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """Describes the key header in the OpenAPI schema (drf-spectacular registers it on definition)."""

    target_class = ApiKeyAuthentication
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization", "description": f"{KEYWORD} <key>"}
