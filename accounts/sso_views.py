"""The two ends of a single sign-on: sending the person to the provider, and their return."""

import logging

import requests
from django.conf import settings
from django.contrib.auth.views import LogoutView
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.views import View
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from .services import SignInRefused
from .sso import ProviderUnavailable, provider_setting

logger = logging.getLogger(__name__)

REFUSALS = {
    "domain": _("Your e-mail address %(email)s is not at a domain allowed on this site (%(domains)s)."),
    "unverified": _(
        "Your identity provider has not verified your e-mail address %(email)s. Verify it there, then sign in again."
    ),
    "no_email": _(
        "Your identity provider did not tell this site your e-mail address. Ask your administrator to share "
        "the e-mail address with this site."
    ),
    "email_taken": _("The e-mail address %(email)s already belongs to another account here. Ask an administrator."),
    "disabled": _("Your account on this site has been deactivated. Ask an administrator."),
    "cancelled": _("The sign-in was cancelled or did not complete."),
    "expired": _("This sign-in attempt has expired or was already used."),
    "unavailable": _("The sign-in service cannot be reached right now. Try again in a few minutes."),
}


def sign_in_refused(request, reason, **params):
    """A page that says why, in the person's language, with the way back (403, or 503 if the
    provider is out of reach)."""
    message = REFUSALS[reason] % params if params else REFUSALS[reason]
    status = 503 if reason == "unavailable" else 403
    return render(request, "registration/sso_refused.html", {"message": message, "reason": reason}, status=status)


class SSOStartView(OIDCAuthenticationRequestView):
    """Remember where to come back to, then redirect to the provider's authorisation page."""

    def __init__(self, **kwargs):
        View.__init__(self, **kwargs)  # the endpoint is looked up per request, not at construction

    def get(self, request):
        if not settings.SSO_ENABLED:
            raise Http404
        if request.user.is_authenticated:
            return redirect(settings.LOGIN_REDIRECT_URL)
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except ProviderUnavailable as error:
            logger.warning("single sign-on: %s", error)
            return sign_in_refused(request, "unavailable")
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


class SSOCallbackView(OIDCAuthenticationCallbackView):
    """The provider's answer: an account signed in, or a page saying why not."""

    def get(self, request):
        if not settings.SSO_ENABLED:
            raise Http404
        try:
            return super().get(request)
        except SignInRefused as refusal:
            logger.info("single sign-on refused: %s", refusal.reason)
            return sign_in_refused(request, refusal.reason, **refusal.params)
        except SuspiciousOperation as error:
            logger.warning("single sign-on: %s", error)
            return sign_in_refused(request, "expired")
        except (requests.RequestException, ProviderUnavailable) as error:
            logger.warning("single sign-on: the provider failed: %s", error)
            return sign_in_refused(request, "unavailable")
        except Exception:
            # A malformed answer from the provider (or a fault here): logged in full, never a 500 page.
            logger.exception("single sign-on failed")
            return sign_in_refused(request, "unavailable")

    def login_failure(self):
        return sign_in_refused(self.request, "cancelled")


class SignOutView(LogoutView):
    """Sign out (POST, as Django's view); a single sign-on session then goes on to the provider's
    end-session endpoint (``OIDC_OP_LOGOUT_URL_METHOD``, ``accounts.sso.provider_logout_url``),
    which sends the person back to the page after signing out.  The way there is a page that moves
    on by itself (a redirect answering the form would break the policy's ``form-action 'self'``)."""

    def post(self, request, *args, **kwargs):
        provider_url = None
        if request.user.is_authenticated and settings.OIDC_OP_LOGOUT_URL_METHOD:
            provider_url = import_string(settings.OIDC_OP_LOGOUT_URL_METHOD)(request)  # before the flush
        response = super().post(request, *args, **kwargs)
        if provider_url and provider_url != resolve_url(settings.LOGOUT_REDIRECT_URL):
            context = {"provider_url": provider_url, "provider_name": settings.SSO_PROVIDER_NAME}
            return render(request, "registration/signing_out.html", context)
        return response
