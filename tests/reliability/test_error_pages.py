"""A database that cannot be reached gives a clean 503 that says to retry; other failures a plain 500."""

from django.db import InterfaceError, OperationalError
from django.test import RequestFactory

from dolly_collect.errors import server_error


def _answer_to(error, path):
    try:
        raise error
    except Exception:
        return server_error(RequestFactory().get(path))


def test_an_unreachable_database_is_a_503_with_retry_after_on_pages_and_api():
    page = _answer_to(OperationalError("connection refused"), "/demonstrations/")
    assert page.status_code == 503
    assert page["Retry-After"] == "5"
    assert b"try again" in page.content
    api = _answer_to(InterfaceError("connection already closed"), "/api/v1/demonstrations/")
    assert api.status_code == 503
    assert api["Content-Type"] == "application/json"
    assert b"database cannot be reached" in api.content


def test_any_other_error_is_a_plain_500_without_details():
    response = _answer_to(KeyError("secret-internal-name"), "/demonstrations/")
    assert response.status_code == 500
    assert b"secret-internal-name" not in response.content
    assert "Retry-After" not in response


def test_the_handler_is_installed(client, db, settings):
    from django.urls import get_resolver

    assert get_resolver().resolve_error_handler(500) is server_error
