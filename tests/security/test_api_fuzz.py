"""The API fuzzed from its own OpenAPI schema: no 500s and no response that breaks the schema.

A bounded run (``API_FUZZ_EXAMPLES`` examples per operation, 8 by default) is part of the
suite; ``make fuzz`` runs many more.  Requests go to the WSGI application in-process, signed
in with a contributor's token, then an admin's.
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token

from tests.factories import AdminFactory, DemonstrationFactory, UserFactory

# Left out: undocumented 4xx codes (every operation may answer 400/401/403/404/429), and the
# checks that a schema-valid request is accepted (an unknown category key is schema-valid but
# refused) or a schema-invalid one refused (DRF ignores a malformed page_size, as documented).
EXCLUDED = [
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.positive_data_acceptance,
    schemathesis.checks.negative_data_rejection,
]
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "8"))


def _load_schema():
    """The schema the site serves at /api/schema/, generated without a request (and without the database)."""
    from drf_spectacular.generators import SchemaGenerator

    from dolly_collect.wsgi import application

    loaded = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
    loaded.app = application
    return loaded


schema = _load_schema()


@pytest.fixture(autouse=True)
def _wsgi_in_the_test_transaction(settings):
    """Serve on the test's own connection, as Django's test client does: a finished request must
    not close the connection that holds the test's transaction."""
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _token_headers(user):
    DemonstrationFactory(author=user)
    return {"Authorization": f"Token {Token.objects.create(user=user).key}"}


@pytest.fixture
def contributor_headers(db):
    return _token_headers(UserFactory(username="fuzz-writer"))


@pytest.fixture
def admin_headers(db):
    return _token_headers(AdminFactory(username="fuzz-admin"))


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("API_FUZZ_RANDOM"),
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@FUZZ_SETTINGS
def test_the_api_holds_its_schema_for_a_contributor(case, contributor_headers):
    response = case.call(headers=contributor_headers)
    case.validate_response(response, headers=contributor_headers, excluded_checks=EXCLUDED)


@schema.parametrize()
@FUZZ_SETTINGS
def test_the_api_holds_its_schema_for_an_admin(case, admin_headers):
    response = case.call(headers=admin_headers)
    case.validate_response(response, headers=admin_headers, excluded_checks=EXCLUDED)
