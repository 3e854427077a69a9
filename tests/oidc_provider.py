"""A real OpenID Connect provider on 127.0.0.1 for the single sign-on tests: ``oidc-provider-mock``
(requirements-dev.txt) in its own process.

Any client id and secret are accepted.  A test says who signs in by storing the person's claims
(``PUT /users/<sub>``) and then answering the provider's authorisation form with that ``sub``.
"""

import os
import subprocess
import sys
import tempfile
import time

import pytest
import requests

BASE_PORT = 8141  # 8141 for the first pytest-xdist worker, 8142 for the second, ...


def _port():
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return BASE_PORT + int(worker.removeprefix("gw") or 0)


class Provider:
    def __init__(self, url):
        self.url = url

    def set_user(self, sub, **claims):
        response = requests.put(f"{self.url}/users/{sub}", json=claims, timeout=10)
        assert response.status_code == 204, response.text


@pytest.fixture(scope="session")
def oidc_provider():
    port = _port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "NO_COLOR": "1"},
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if requests.get(f"{url}/.well-known/openid-configuration", timeout=1).ok:
                        break
                except requests.ConnectionError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"the OpenID provider did not start on {url}: {log.read()[-2000:]!r}")
                time.sleep(0.1)
            yield Provider(url)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def sso_settings(settings, oidc_provider):
    """The site configured for single sign-on with the provider; reviewers and admins by group."""
    settings.OIDC_ISSUER = oidc_provider.url
    settings.OIDC_RP_CLIENT_ID = "dolly-collect"
    settings.OIDC_RP_CLIENT_SECRET = "a-client-secret"
    settings.SSO_ENABLED = True
    settings.SSO_PROVIDER_NAME = "Example Corp"
    settings.OIDC_GROUPS_CLAIM = "groups"
    settings.OIDC_REVIEWER_GROUPS = ["dolly-reviewers"]
    settings.OIDC_ADMIN_GROUPS = ["dolly-admins"]
    settings.ALLOWED_EMAIL_DOMAINS = ["corp.example"]
    return settings
