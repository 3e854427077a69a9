"""The API fuzzed from its own OpenAPI schema: no 500s and no response that breaks the schema.

A bounded run (``API_FUZZ_EXAMPLES`` examples per operation, 8 by default) is part of the
suite; ``make fuzz`` runs many more.  Requests go to the WSGI application in-process, signed
in with a contributor's token, then an admin's.
"""

import json
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


# Hostile input the generators do not write: every operation of the schema, for both callers. ---

HOSTILE_BODIES = {
    "nested JSON": (("[" * 1200 + "]" * 1200).encode(), "application/json"),
    "nested JSON in a field": (b'{"instruction": ' + b"[" * 1200 + b"1" + b"]" * 1200 + b"}", "application/json"),
    "duplicate JSON key": (b'{"version": 1, "version": 2, "decision": "approve"}', "application/json"),
    "invalid UTF-8 in JSON": (b'{"instruction": "\xff\xfe", "name": "\xc3"}', "application/json"),
    "invalid UTF-8 in a form": (b"instruction=%ff%fe&name=%c3&version=1", "application/x-www-form-urlencoded"),
    "invalid UTF-8 in multipart": (
        b'--b\r\nContent-Disposition: form-data; name="name"\r\n\r\n\xff\xfe\r\n--b--\r\n',
        "multipart/form-data; boundary=b",
    ),
}
HOSTILE_INTEGERS = ["²", "٣", "１", "9" * 40, "-" + "9" * 40]


def _operations():
    for path, item in schema.raw_schema["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def _integer_properties(operation):
    content = (operation.get("requestBody") or {}).get("content", {}).get("application/json", {})
    ref = content.get("schema", {}).get("$ref", "")
    component = schema.raw_schema["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {}) if ref else {}
    properties = component.get("properties", {})
    return [name for name, spec in properties.items() if spec.get("type") == "integer"]


def _url(path, demonstration_id):
    return path.replace("{id}", str(demonstration_id)).replace("{slug}", "x").replace("{file}", "data.jsonl")


def _hostile_requests(demonstration_id):
    for method, path, operation in _operations():
        url = _url(path, demonstration_id)
        if operation.get("requestBody"):
            for label, (body, content_type) in HOSTILE_BODIES.items():
                yield label, method, url, body, content_type, None
            for field in _integer_properties(operation):
                for value in HOSTILE_INTEGERS:
                    literal = value if value.isascii() else json.dumps(value)
                    body = f'{{"{field}": {literal}}}'.encode()
                    yield f"{field}={value}", method, url, body, "application/json", None
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query" and parameter.get("schema", {}).get("type") == "integer":
                for value in HOSTILE_INTEGERS:
                    yield f"?{parameter['name']}={value}", method, url, b"", "", {parameter["name"]: value}


@pytest.mark.parametrize("caller", ["contributor", "admin"])
def test_hostile_bodies_and_numbers_are_refused_by_every_operation(caller, request, db):
    from django.test import Client

    from annotations.models import Demonstration

    headers = request.getfixturevalue(f"{caller}_headers")
    demonstration = Demonstration.objects.order_by("-pk").first()
    before = sorted(Demonstration.objects.values_list("pk", "version"))
    client = Client(HTTP_AUTHORIZATION=headers["Authorization"], raise_request_exception=False)
    wrong = []
    for label, method, url, body, content_type, query in _hostile_requests(demonstration.public_id):
        if query is not None:
            response = client.generic(method, url + "?" + "&".join(f"{k}={v}" for k, v in query.items()))
            if response.status_code >= 500 or (
                query.keys() & {"page", "page_size", "limit", "version"} and response.status_code == 200
            ):
                wrong.append((label, method, url, response.status_code))
            continue
        response = client.generic(method, url, body, content_type=content_type)
        if response.status_code >= 500 or 200 <= response.status_code < 300:
            wrong.append((label, method, url, response.status_code, response.content[:200]))
    assert not wrong, "\n".join(map(str, wrong))
    assert sorted(Demonstration.objects.values_list("pk", "version")) == before
