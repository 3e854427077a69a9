"""Every URL of the site × every kind of caller, with the status each must get.

The routes come from the URL configuration itself: a new URL without a row here fails
``test_every_route_has_a_row``.  Each cell is ``(GET, POST)`` for anonymous, the owner
(``contributor``), another contributor, a reviewer, an admin and a machine holding a dataset-reader
API key (``reader``: it never signs in, and only the release API knows its key); the objects in the URLs
belong to the contributor (see ``authz_objects.py``).  The POST is empty: it must be refused
before it does anything for callers without the right, and only checks the status otherwise.
"""

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .authz_objects import ROLES, World

R = 302  # to the sign-in page

# route: {role: (GET, POST)} in ROLES order.
MATRIX = {
    #                         anonymous   contributor  other        reviewer     admin        reader
    "api-docs": [(200, 405), (200, 405), (200, 405), (200, 405), (200, 405), (200, 405)],
    "api-key-revoke": [(R, R), (405, 403), (405, 403), (405, 403), (405, 302), (R, R)],
    "api-keys": [(R, R), (403, 403), (403, 403), (403, 403), (200, 200), (R, R)],
    "api-schema": [(200, 405), (200, 405), (200, 405), (200, 405), (200, 405), (200, 405)],
    "api-token": [(R, R), (200, 302), (200, 302), (200, 302), (200, 302), (R, R)],
    "api:api-token-obtain": [(405, 400), (405, 400), (405, 400), (405, 400), (405, 400), (405, 400)],
    "api:category-list": [(401, 401), (200, 405), (200, 405), (200, 405), (200, 405), (401, 401)],
    "api:contest-detail": [(401, 401), (200, 403), (200, 403), (200, 403), (200, 405), (401, 401)],
    "api:contest-leaderboard": [(401, 401), (200, 405), (200, 405), (200, 405), (200, 405), (401, 401)],
    "api:contest-list": [(401, 401), (200, 403), (200, 403), (200, 403), (200, 400), (401, 401)],
    "api:demonstration-detail": [(401, 401), (200, 405), (404, 405), (404, 405), (404, 405), (401, 401)],
    "api:demonstration-list": [(401, 401), (200, 400), (200, 400), (200, 400), (200, 400), (401, 401)],
    "api:demonstration-reopen": [(401, 401), (403, 403), (403, 403), (403, 403), (405, 200), (401, 401)],
    "api:demonstration-review": [(401, 401), (403, 403), (403, 403), (405, 400), (405, 400), (401, 401)],
    "api:demonstration-reviews": [(401, 401), (200, 405), (404, 405), (200, 405), (200, 405), (401, 401)],
    "api:demonstration-submit": [(401, 401), (405, 200), (405, 404), (405, 404), (405, 404), (401, 401)],
    "api:export-archive": [(401, 401), (403, 403), (403, 403), (403, 403), (200, 405), (200, 403)],
    "api:export-detail": [(401, 401), (403, 403), (403, 403), (403, 403), (200, 405), (200, 403)],
    "api:export-download": [(401, 401), (403, 403), (403, 403), (403, 403), (200, 405), (200, 403)],
    "api:export-latest": [(401, 401), (403, 403), (403, 403), (403, 403), (200, 405), (200, 403)],
    "api:export-list": [(401, 401), (403, 403), (403, 403), (403, 403), (200, 202), (200, 403)],
    "api:export-retry": [(401, 401), (403, 403), (403, 403), (403, 403), (405, 400), (401, 401)],
    "api:leaderboard-alltime": [(401, 401), (200, 405), (200, 405), (200, 405), (200, 405), (401, 401)],
    "api:my-points": [(401, 401), (200, 405), (200, 405), (200, 405), (200, 405), (401, 401)],
    "api:notification-list": [(401, 401), (200, 405), (200, 405), (200, 405), (200, 405), (401, 401)],
    "api:notification-read": [(401, 401), (405, 200), (405, 200), (405, 200), (405, 200), (401, 401)],
    "api:open-instruction-answer": [(401, 401), (405, 403), (405, 400), (405, 400), (405, 400), (401, 401)],
    "api:open-instruction-detail": [(401, 401), (405, 405), (405, 405), (405, 405), (405, 405), (401, 401)],
    "api:open-instruction-list": [(401, 401), (200, 400), (200, 400), (200, 400), (200, 400), (401, 401)],
    "api:review-agreement": [(401, 401), (403, 403), (403, 403), (200, 405), (200, 405), (401, 401)],
    "api:review-next": [(401, 401), (403, 403), (403, 403), (200, 405), (200, 405), (401, 401)],
    "api:review-undo": [(401, 401), (403, 403), (403, 403), (405, 404), (405, 404), (401, 401)],
    "api:review-skip": [(401, 401), (403, 403), (403, 403), (405, 204), (405, 204), (401, 401)],
    "api:webhook-deliveries": [(401, 401), (403, 403), (403, 403), (403, 403), (200, 405), (401, 401)],
    "api:webhook-detail": [(401, 401), (403, 403), (403, 403), (403, 403), (200, 405), (401, 401)],
    "api:webhook-list": [(401, 401), (403, 403), (403, 403), (403, 403), (200, 400), (401, 401)],
    "api:webhook-redeliver": [(401, 401), (403, 403), (403, 403), (403, 403), (405, 202), (401, 401)],
    "api:webhook-test": [(401, 401), (403, 403), (403, 403), (403, 403), (405, 202), (401, 401)],
    "board-settings": [(R, R), (200, 200), (200, 200), (200, 200), (200, 200), (R, R)],
    "category-detail": [(R, R), (200, 200), (200, 200), (200, 200), (200, 200), (R, R)],
    "category-list": [(R, R), (200, 200), (200, 200), (200, 200), (200, 200), (R, R)],
    "contest-create": [(R, R), (403, 403), (403, 403), (403, 403), (200, 400), (R, R)],
    "contest-detail": [(R, R), (200, 200), (200, 200), (200, 200), (200, 200), (R, R)],
    "contest-edit": [(R, R), (403, 403), (403, 403), (403, 403), (200, 400), (R, R)],
    "contest-end": [(R, R), (405, 403), (405, 403), (405, 403), (405, 302), (R, R)],
    "contest-leaderboard": [(R, R), (200, 200), (200, 200), (200, 200), (200, 200), (R, R)],
    "contest-list": [(R, R), (200, 200), (200, 200), (200, 200), (200, 200), (R, R)],
    "dashboard": [(R, R), (403, 405), (403, 405), (403, 405), (200, 405), (R, R)],
    "dashboard-data": [(R, R), (403, 405), (403, 405), (403, 405), (200, 405), (R, R)],
    "datasets:import-confirm": [(R, R), (403, 403), (403, 403), (403, 403), (405, 302), (R, R)],
    "datasets:import-detail": [(R, R), (403, 403), (403, 403), (403, 403), (200, 405), (R, R)],
    "datasets:import-list": [(R, R), (403, 403), (403, 403), (403, 403), (200, 200), (R, R)],
    "datasets:import-status": [(R, R), (403, 403), (403, 403), (403, 403), (200, 405), (R, R)],
    "datasets:release-create": [(R, R), (403, 403), (403, 403), (403, 403), (200, 200), (R, R)],
    "datasets:release-detail": [(R, R), (403, 403), (403, 403), (403, 403), (200, 405), (R, R)],
    "datasets:release-download": [(R, R), (403, 403), (403, 403), (403, 403), (200, 405), (R, R)],
    "datasets:release-list": [(R, R), (403, 403), (403, 403), (403, 403), (200, 405), (R, R)],
    "datasets:release-status": [(R, R), (403, 403), (403, 403), (403, 403), (200, 405), (R, R)],
    "datasets:release-retry": [(R, R), (403, 403), (403, 403), (403, 403), (405, 302), (R, R)],
    "datasets:webhook-deactivate": [(R, R), (403, 403), (403, 403), (403, 403), (405, 302), (R, R)],
    "datasets:webhook-detail": [(R, R), (403, 403), (403, 403), (403, 403), (200, 405), (R, R)],
    "datasets:webhook-list": [(R, R), (403, 403), (403, 403), (403, 403), (200, 200), (R, R)],
    "datasets:webhook-redeliver": [(R, R), (403, 403), (403, 403), (403, 403), (405, 302), (R, R)],
    "datasets:webhook-test": [(R, R), (403, 403), (403, 403), (403, 403), (405, 302), (R, R)],
    "demonstration-checks": [(405, 401), (405, 400), (405, 400), (405, 400), (405, 400), (405, 401)],
    "demonstration-autosave": [(405, 401), (405, 400), (405, 400), (405, 400), (405, 400), (405, 401)],
    "demonstration-current": [(401, 405), (404, 405), (404, 405), (404, 405), (404, 405), (401, 405)],
    "demonstration-create": [(R, R), (200, 200), (200, 200), (200, 200), (200, 200), (R, R)],
    # An empty POST carries no version: the owner is shown the draft again (409), nothing is deleted.
    "demonstration-delete": [(R, R), (200, 409), (404, 404), (404, 404), (404, 404), (R, R)],
    "demonstration-detail": [(R, R), (200, 200), (404, 404), (404, 404), (404, 404), (R, R)],
    "demonstration-edit": [(R, R), (200, 409), (404, 404), (404, 404), (404, 404), (R, R)],
    "demonstration-list": [(R, R), (200, 200), (200, 200), (200, 200), (200, 200), (R, R)],
    "demonstration-submit": [(R, R), (405, 302), (405, 404), (405, 404), (405, 404), (R, R)],
    "home": [(R, R), (200, 200), (200, 200), (200, 200), (200, 200), (R, R)],
    "leaderboard": [(R, R), (200, 200), (200, 200), (200, 200), (200, 200), (R, R)],
    "login": [(200, 200), (R, R), (R, R), (R, R), (R, R), (200, 200)],
    "logout": [(405, R), (405, R), (405, R), (405, R), (405, R), (405, R)],
    "my-dashboard": [(R, R), (200, 405), (200, 405), (200, 405), (200, 405), (R, R)],
    "my-dashboard-data": [(R, R), (200, 405), (200, 405), (200, 405), (200, 405), (R, R)],
    "my-points": [(R, R), (200, 200), (200, 200), (200, 200), (200, 200), (R, R)],
    "notification-list": [(R, R), (200, 200), (200, 200), (200, 200), (200, 200), (R, R)],
    "notification-read": [(R, R), (405, 302), (405, 302), (405, 302), (405, 302), (R, R)],
    "open-instruction-answer": [(R, R), (200, 200), (200, 200), (200, 200), (200, 200), (R, R)],
    "open-instruction-autosave": [(401, 401), (404, 400), (404, 400), (404, 400), (404, 400), (401, 401)],
    "open-instruction-create": [(R, R), (200, 200), (200, 200), (200, 200), (200, 200), (R, R)],
    "open-instruction-list": [(R, R), (200, 200), (200, 200), (200, 200), (200, 200), (R, R)],
    "open-instruction-mine": [(R, R), (200, 200), (200, 200), (200, 200), (200, 200), (R, R)],
    "open-instruction-withdraw": [(R, R), (405, 302), (405, 403), (405, 403), (405, 403), (R, R)],
    "password_change": [(R, R), (200, 200), (200, 200), (200, 200), (200, 200), (R, R)],
    "password_change_done": [(R, R), (200, 405), (200, 405), (200, 405), (200, 405), (R, R)],
    "review-decide": [(R, R), (405, 403), (405, 403), (405, 400), (405, 400), (R, R)],
    # The target carries no duplicate flag: there is nothing to compare, for reviewers a 404.
    "review-compare": [(R, R), (403, 403), (403, 403), (404, 404), (404, 404), (R, R)],
    "review-reject-duplicate": [(R, R), (405, 403), (405, 403), (405, 404), (405, 404), (R, R)],
    "review-edit": [(R, R), (403, 403), (403, 403), (200, 409), (200, 409), (R, R)],
    "review-open": [(R, R), (403, 403), (403, 403), (200, 200), (200, 200), (R, R)],
    "review-queue": [(R, R), (403, 403), (403, 403), (200, 200), (200, 200), (R, R)],
    "review-reopen": [(R, R), (405, 403), (405, 403), (405, 403), (405, 302), (R, R)],
    "review-undo": [(R, R), (405, 403), (405, 403), (405, 404), (405, 404), (R, R)],
    "review-skip": [(R, R), (405, 403), (405, 403), (405, 302), (405, 302), (R, R)],
    "review-skips-clear": [(R, R), (405, 403), (405, 403), (405, 302), (405, 302), (R, R)],
    "review-stats": [(R, R), (403, 403), (403, 403), (200, 200), (200, 200), (R, R)],
    "set_language": [(R, R), (R, R), (R, R), (R, R), (R, R), (R, R)],
    "signup": [(200, 200), (R, R), (R, R), (R, R), (R, R), (200, 200)],
    "signup-confirm": [(400, 400), (R, R), (R, R), (R, R), (R, R), (400, 400)],
    "signup-sent": [(200, 405), (R, 405), (R, 405), (R, 405), (R, 405), (200, 405)],
    # Single sign-on is off in the test settings: its routes do not exist (tests/accounts/test_sso.py).
    "sso-callback": [(404, 405), (404, 405), (404, 405), (404, 405), (404, 405), (404, 405)],
    "sso-login": [(404, 405), (404, 405), (404, 405), (404, 405), (404, 405), (404, 405)],
}


def _routes(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern) == "admin/":
                continue
            inner = (
                f"{namespace}:{pattern.namespace}"
                if namespace and pattern.namespace
                else (pattern.namespace or namespace)
            )
            yield from _routes(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield name, list(pattern.pattern.converters)


ROUTES = dict(_routes())


def test_every_route_has_a_row():
    missing = sorted(set(ROUTES) - set(MATRIX))
    stale = sorted(set(MATRIX) - set(ROUTES))
    assert not missing, f"routes without an authorisation row: {missing}"
    assert not stale, f"rows for routes that no longer exist: {stale}"


def cell(world, route, role, method, client_class):
    """One request, in a savepoint that is rolled back: every cell sees the same untouched objects."""
    url = reverse(route, kwargs=world.kwargs(route, ROUTES[route]))
    client = world.client(role, client_class)
    with transaction.atomic():
        response = client.get(url) if method == "GET" else client.post(url, {})
        transaction.set_rollback(True)
    return url, response.status_code


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_each_caller_gets_the_expected_status(route, db, client_factory):
    world = World(route)
    for role, (expected_get, expected_post) in zip(ROLES, MATRIX[route], strict=True):
        for method, expected in (("GET", expected_get), ("POST", expected_post)):
            url, status = cell(world, route, role, method, client_factory)
            assert status == expected, f"{method} {url} as {role}: {status}, expected {expected}"


UUID_ROUTES = sorted(route for route, kwargs in ROUTES.items() if {"id", "public_id"} & set(kwargs))


@pytest.mark.parametrize("route", UUID_ROUTES)
def test_an_unknown_id_and_someone_elses_object_look_the_same(route, db, client_factory):
    """Enumeration learns nothing: for callers who may not see the object, a real id and a random
    one get the same answer; for callers who may, a random id is a 404, never a 500."""
    import uuid

    world = World(route)
    kwargs = world.kwargs(route, ROUTES[route])
    random_kwargs = {k: (uuid.uuid4() if k in ("id", "public_id") else v) for k, v in kwargs.items()}
    for role in ROLES:
        for method in ("GET", "POST"):
            client = world.client(role, client_factory)
            with transaction.atomic():
                real = _request(client, method, reverse(route, kwargs=kwargs))
                transaction.set_rollback(True)
            with transaction.atomic():
                unknown = _request(client, method, reverse(route, kwargs=random_kwargs))
                transaction.set_rollback(True)
            if real in (404, 403, 401, 302, 405) and role == "other_contributor":
                assert unknown == real or (real == 403 and unknown == 404 and _shared_with_everyone(route)), (
                    f"{method} {route} as {role}: real id {real}, unknown id {unknown}"
                )
            assert unknown in (302, 401, 403, 404, 405), f"{method} {route} as {role}: unknown id gave {unknown}"


def _request(client, method, url):
    return (client.get(url) if method == "GET" else client.post(url, {})).status_code


def _shared_with_everyone(route):
    """Open instructions are offered to every contributor: their existence is not a secret."""
    return "open-instruction" in route
