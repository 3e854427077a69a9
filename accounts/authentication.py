"""API authentication: people by token (``Authorization: Token <key>``), machines by key
(``Authorization: Api-Key <key>``).

Only the views that list ``ApiKeyAuthentication`` accept a key (the release views, for dataset
readers); every other view does not know the header and answers 401, so a reader's key can never
reach drafts, reviews or anything else by mistake.
"""

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from . import services
from .models import MachineAccount

KEYWORD = "Api-Key"


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, the token and its person read with one plain SQL statement.

    Every API call of a person makes this read.  DRF's ORM query (the token joined to its user)
    cost several times the CPU of running it.  A key that matches no token, or a person who is not
    active, goes to DRF's own check, which refuses it with DRF's answer.
    """

    def authenticate_credentials(self, key):
        if "\x00" in key:  # no token has one, and PostgreSQL refuses it in a query: a 401, never a 500
            raise exceptions.AuthenticationFailed()
        user = self._token_user(key)
        if user is None or not user.is_active:
            return super().authenticate_credentials(key)
        token = self.get_model().from_db(user._state.db, ["key", "user_id"], [key, user.pk])  # created: read if asked
        token.user = user
        return user, token

    def _token_user(self, key):
        users, tokens = get_user_model(), self.get_model()
        connection = connections[router.db_for_read(tokens)]
        quote = connection.ops.quote_name
        columns = ", ".join(f"u.{quote(field.column)}" for field in users._meta.concrete_fields)
        key_field, user_field = tokens._meta.get_field("key"), tokens._meta.get_field("user")
        sql = (
            f"SELECT {columns} FROM"  # noqa: S608 - names from the models
            f" {quote(tokens._meta.db_table)} t INNER JOIN {quote(users._meta.db_table)} u"
            f" ON u.{quote(users._meta.pk.column)} = t.{quote(user_field.column)}"
            f" WHERE t.{quote(key_field.column)} = %s"
        )
        return next(iter(users.objects.db_manager(connection.alias).raw(sql, [key])), None)


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
