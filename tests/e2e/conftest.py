"""End-to-end tests: Debian's Chromium driven by Playwright against the live test server.

The live server runs in a thread of this process on the test database (PostgreSQL when
``DATABASE_URL`` says so), so every test here is transactional.  Screenshots of the pages
visited go to ``test-artifacts/screenshots/``.
"""

import os
import threading
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test import Client

# Playwright's synchronous API keeps an event loop open in this thread, which Django's
# async-safety check mistakes for async code calling the ORM.  Tests are synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
_one_request_at_a_time = threading.Lock()
_set_app = ThreadedWSGIServer.set_app


def _serialized_set_app(server, application):
    """The live server's request threads share the one connection to an in-memory SQLite
    database; concurrent requests on it (a page fetching several JSON documents at once) can
    hang.  On SQLite the live server therefore answers one request at a time."""
    if connection.vendor != "sqlite":
        return _set_app(server, application)

    def serialized(environ, start_response):
        with _one_request_at_a_time:
            return application(environ, start_response)

    return _set_app(server, serialized)


ThreadedWSGIServer.set_app = _serialized_set_app
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
HERE = Path(__file__).resolve().parent


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Mark the browser tests and run them last, after every other database test (see below)."""
    e2e_items = [item for item in items if HERE in Path(str(item.fspath)).parents]
    if e2e_items:
        others = [item for item in items if item not in set(e2e_items)]
        items[:] = others + e2e_items
    for item in e2e_items:
        item.add_marker(pytest.mark.e2e)
    # CI must have the browser: there a missing one fails the tests instead of skipping them.
    if CHROMIUM.exists() or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM}: apt-get install chromium to run the browser tests")
    for item in e2e_items:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-GB", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="session")
def _migrated_database(django_db_setup):
    """The migrated database as serialized by the test setup."""
    return getattr(connections[DEFAULT_DB_ALIAS], "_test_serialized_contents", None)


@pytest.fixture(scope="session")
def playwright(_migrated_database, playwright):
    """Playwright, started once the migrated database's snapshot is in hand.

    While Playwright's event loop runs in this thread, Django keeps connections per context
    instead of per thread, so the tests get a new connection object that lacks the snapshot
    the serialized rollback restores before each test: hand it over.  Emptying the tables before
    the snapshot is restored is ``pytest_runtest_setup``'s job (``tests/conftest.py``).
    """
    if _migrated_database is not None:
        connections[DEFAULT_DB_ALIAS]._test_serialized_contents = _migrated_database
    return playwright


@pytest.fixture(autouse=True)
def _e2e_database(django_db_serialized_rollback, live_server, settings):
    """Every test starts from the migrated database (categories included) and plain-HTTP cookies."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture
def page(page):
    page.set_default_timeout(15_000)
    page.set_default_navigation_timeout(20_000)
    return page


@pytest.fixture
def url(live_server):
    def build(path):
        return live_server.url + path

    return build


@pytest.fixture
def sign_in(live_server):
    """Put ``user``'s session cookie in the page's browser context (the form itself is tested once)."""

    def do(page, user):
        client = Client()
        client.force_login(user)
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
        page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
        return page

    return do
