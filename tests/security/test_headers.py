"""Security headers on every kind of response, and no inline script anywhere the site renders."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

TEMPLATE_DIRS = [Path(settings.BASE_DIR) / "templates"] + [
    p / "templates" for p in Path(settings.BASE_DIR).iterdir() if (p / "templates").is_dir()
]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b", re.IGNORECASE)


def _policy(response):
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split("; ")}


@pytest.mark.parametrize("path", ["/accounts/login/", "/api/v1/categories/", "/admin/login/", "/api/docs/"])
def test_every_response_carries_the_security_headers(client, db, path):
    response = client.get(path)
    policy = _policy(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_no_template_has_inline_script_style_or_event_handlers():
    offenders = []
    for directory in TEMPLATE_DIRS:
        for template in directory.rglob("*.html"):
            text = template.read_text()
            for pattern in (INLINE_SCRIPT, EVENT_HANDLER, INLINE_STYLE):
                offenders += [f"{template}: {m.group(0)}" for m in pattern.finditer(text)]
            if "javascript:" in text.lower():
                offenders.append(f"{template}: javascript: URL")
    assert offenders == []


def test_api_docs_load_every_script_from_a_file(client_for, user):
    page = client_for(user).get(reverse("api-docs")).content.decode()
    assert "swagger-ui" in page
    assert not INLINE_SCRIPT.search(page)
    assert not INLINE_STYLE.search(page)
    script = client_for(user).get(reverse("api-docs") + "?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


@pytest.mark.parametrize("name", ["admin:index", "admin:auth_user_changelist", "admin:auth_user_add"])
def test_admin_pages_have_no_inline_script(client_for, admin_user, name):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    response = client_for(admin_user).get(reverse(name))
    assert response.status_code == 200
    assert not INLINE_SCRIPT.search(response.content.decode())
