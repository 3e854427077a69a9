"""The production settings, as a deployment would run them, pass Django's deployment checks."""

import os
import secrets
import subprocess
import sys

from django.conf import settings

TEST_ONLY_VARIABLES = ("SECURE_", "SESSION_", "CSRF_", "DEBUG", "DJANGO_")


def _production_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(TEST_ONLY_VARIABLES)}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "dolly_collect.settings",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "dolly.example.com",
            "CSRF_TRUSTED_ORIGINS": "https://dolly.example.com",
            "DOLLY_VAR_DIR": str(settings.VAR_DIR),
            **extra,
        }
    )
    return env


def _manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_no_warning():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_weak_secret_key_fails_the_deploy_check():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env(SECRET_KEY="short"))
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = _production_env()
    del env["SECRET_KEY"]
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_defaults_are_hardened():
    env = _production_env()
    code = (
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_HSTS_SECONDS >= 31536000, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_AGE <= 12 * 3600,"
        " s.X_FRAME_OPTIONS, len(s.AUTH_PASSWORD_VALIDATORS) >= 4)"
    )
    result = _manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-9:] == ["False", "True", "True", "True", "True", "True", "True", "DENY", "True"]


def test_a_client_cannot_claim_https_when_no_proxy_is_configured(client, settings, db):
    """Without TRUSTED_PROXY_COUNT nobody sits in front to set X-Forwarded-Proto: a client's own
    header must not make a plain-HTTP request look secure (and skip the HTTPS redirect)."""
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/accounts/login/"


def _proxy_header(**extra):
    code = "from django.conf import settings as s; print(repr(s.SECURE_PROXY_SSL_HEADER))"
    result = _manage("shell", "-c", code, env=_production_env(**extra))
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_x_forwarded_proto_is_trusted_only_behind_a_configured_proxy():
    assert _proxy_header() == "None"
    assert _proxy_header(TRUSTED_PROXY_COUNT="1") == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_check_deploy_stays_clean_behind_a_proxy():
    env = _production_env(TRUSTED_PROXY_COUNT="1")
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_switching_password_sign_in_off_without_single_sign_on_fails_the_checks():
    result = _manage("check", env=_production_env(PASSWORD_LOGIN_ENABLED="false"))
    assert result.returncode != 0
    assert "accounts.E001" in result.stdout + result.stderr
    configured = _production_env(
        PASSWORD_LOGIN_ENABLED="false",
        OIDC_ISSUER="https://id.example.com",
        OIDC_CLIENT_ID="dolly",
        OIDC_CLIENT_SECRET="secret",
    )
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=configured)
    assert result.returncode == 0, result.stdout + result.stderr
