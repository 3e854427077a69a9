from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle


class TokenView(ObtainAuthToken):
    """Exchange a username and password for an API token (throttled)."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"
    # ObtainAuthToken names DRF's own parsers; the site's are strict about every body.
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            # The login throttle marks this request, not the HttpRequest its middleware answers for,
            # so a locked-out client would otherwise hear "wrong credentials" even with the right ones.
            if getattr(request, "axes_locked_out", False):
                cooloff = settings.AXES_COOLOFF_TIME
                raise Throttled(
                    wait=float(cooloff) * 3600 if isinstance(cooloff, int | float) else None,
                    detail=_("Too many failed sign-in attempts. Try again later."),
                )
            raise
