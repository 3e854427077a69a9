"""Response headers that make whatever slips past escaping inert.

Django's ``SecurityMiddleware`` already sends HSTS, ``nosniff``, the referrer policy and
``Cross-Origin-Opener-Policy``; this adds the Content-Security-Policy and the
Permissions-Policy, which Django 5.2 does not send.  The policy has no ``'unsafe-inline'``
for scripts: every script is a file under ``static/js`` (the admin's and the API docs' too).
"""

from django.conf import settings


def _serialise(policy):
    return "; ".join(f"{directive} {' '.join(sources)}".strip() for directive, sources in policy.items())


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.headers = {}
        if settings.CONTENT_SECURITY_POLICY:
            self.headers["Content-Security-Policy"] = _serialise(settings.CONTENT_SECURITY_POLICY)
        if settings.PERMISSIONS_POLICY:
            self.headers["Permissions-Policy"] = ", ".join(
                f"{feature}=({' '.join(allow)})" for feature, allow in settings.PERMISSIONS_POLICY.items()
            )

    def __call__(self, request):
        response = self.get_response(request)
        for header, value in self.headers.items():
            response.headers.setdefault(header, value)
        return response
