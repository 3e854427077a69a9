"""The checks a writing page asks for on its draft: the submit's checks, as warnings by field."""

import json

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from annotations import services
from annotations.models import Origin, QualityFlag
from tests.factories import category
from tests.review.conftest import submit

pytestmark = pytest.mark.django_db
URL = reverse("demonstration-checks")
EMAIL_RESPONSE = "Write to jane.doe@example.com and she will explain why the sky looks blue."


@pytest.fixture(autouse=True)
def fresh_rate_counts():
    cache.clear()
    yield
    cache.clear()


def draft(author, **text):
    demonstration, _ = services.demonstration_save_new(
        author=author,
        origin=Origin.WEB,
        idempotency_key=f"page-{author.pk}-{len(text)}",
        changes={
            "category": category(text.pop("key", "open_qa")),
            "instruction": "Why is the sky blue on a clear day?",
            "context": "",
            "source_url": "",
            "response": "Air scatters blue light more than red light.",
            **text,
        },
    )
    return demonstration


def post(client, payload, **headers):
    body = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    return client.post(URL, body, content_type="application/json", **headers)


def test_personal_data_in_the_posted_response_is_a_warning_beside_the_response(client_for, user):
    mine = draft(user)
    client = client_for(user)
    answer = post(client, {"public_id": str(mine.public_id), "response": EMAIL_RESPONSE})
    assert answer.status_code == 200
    assert answer.json()["warnings"] == [
        {
            "field": "response",
            "kind": "personal_data",
            "code": "personal_data",
            "params": {"code": "personal_data", "fields": {"response": ["email"]}},
            "message": "Personal data: e-mail address. Remove it or replace it with a made-up example.",
        }
    ]
    french = post(client, {"public_id": str(mine.public_id), "response": EMAIL_RESPONSE}, HTTP_ACCEPT_LANGUAGE="fr")
    assert french.json()["warnings"][0]["message"].startswith("Données personnelles\u00a0: adresse e-mail.")
    # Nothing is stored: the draft keeps its text and has no flag.
    mine.refresh_from_db()
    assert mine.response == "Air scatters blue light more than red light." and not QualityFlag.objects.exists()


def test_fixed_text_has_no_warning_and_left_out_fields_keep_their_saved_value(client_for, user):
    mine = draft(user, response=EMAIL_RESPONSE)
    client = client_for(user)
    assert [w["code"] for w in post(client, {"public_id": str(mine.public_id)}).json()["warnings"]] == ["personal_data"]
    fixed = post(client, {"public_id": str(mine.public_id), "response": "Ask a physicist about scattering."})
    assert fixed.json()["warnings"] == []


def test_the_same_checks_as_the_submit_near_duplicate_and_source_host(client_for, user, other_user):
    earlier = submit(other_user, instruction="Why is the sea salty and not fresh like rivers?")
    mine = draft(user)
    client = client_for(user)
    instruction = "Why is the sea so salty and not fresh like the rivers?"
    answer = post(client, {"public_id": str(mine.public_id), "instruction": instruction})
    warnings = {w["code"]: w for w in answer.json()["warnings"]}
    assert warnings["near_duplicate"]["field"] == "instruction"
    assert warnings["near_duplicate"]["params"]["demonstration"] == earlier.pk
    assert "% similar to another demonstration" in warnings["near_duplicate"]["message"]
    answer = post(
        client,
        {
            "public_id": str(mine.public_id),
            "category": "closed_qa",
            "context": "Rivers carry dissolved minerals to the sea; evaporation leaves the salt behind.",
            "source_url": "https://blog.example.com/sea",
        },
    )
    warnings = {w["code"]: w for w in answer.json()["warnings"]}
    assert warnings["source_not_allowed"]["field"] == "source_url"
    assert warnings["source_not_allowed"]["message"].startswith("blog.example.com is not an allowed source")


def test_the_draft_is_never_its_own_duplicate(client_for, user):
    mine = draft(user)
    services.demonstration_submit(demonstration=mine, actor=user, expected_version=mine.version)
    assert post(client_for(user), {"public_id": str(mine.public_id)}).json()["warnings"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"response": 12}, "response"),
        ({"instruction": ["a"]}, "instruction"),
        ({"response": "x" * 100_001}, "response"),
        ({"category": "no_such_category"}, "category"),
        ({"category": None}, "category"),
    ],
)
def test_bad_fields_are_a_400_naming_the_field(client_for, user, body, field):
    mine = draft(user)
    answer = post(client_for(user), {"public_id": str(mine.public_id), **body})
    assert answer.status_code == 400
    assert list(answer.json()["errors"]) == [field]


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"public_id": "nope"}', b"{}", b'{"public_id": 5}'])
def test_a_malformed_request_is_a_400_never_a_500(client_for, user, body):
    answer = post(client_for(user), body)
    assert answer.status_code == 400
    assert answer.json()["code"] == "bad_request"


def test_someone_elses_draft_is_a_404_and_signed_out_a_401(client_for, user, other_user):
    theirs = draft(other_user, response=EMAIL_RESPONSE)
    answer = post(client_for(user), {"public_id": str(theirs.public_id)})
    assert answer.status_code == 404 and "warnings" not in answer.json()
    assert post(Client(), {"public_id": str(theirs.public_id)}).status_code == 401


def test_a_reviewer_who_may_see_the_draft_still_cannot_check_it(client_for, reviewer, user):
    theirs = draft(user)
    services.demonstration_submit(demonstration=theirs, actor=user, expected_version=theirs.version)
    assert post(client_for(reviewer), {"public_id": str(theirs.public_id)}).status_code == 404


def test_the_request_needs_the_csrf_token(user):
    mine = draft(user)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert post(client, {"public_id": str(mine.public_id)}).status_code == 403
    client.get(reverse("demonstration-edit", kwargs={"public_id": mine.public_id}))
    token = client.cookies["csrftoken"].value
    assert post(client, {"public_id": str(mine.public_id)}, HTTP_X_CSRFTOKEN=token).status_code == 200


def test_checks_are_limited_per_minute(client_for, user, settings):
    settings.DOLLY_DRAFT_CHECKS_PER_MINUTE = 2
    mine = draft(user)
    client = client_for(user)
    codes = [post(client, {"public_id": str(mine.public_id)}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_a_check_makes_a_bounded_number_of_queries(client_for, user, other_user, django_assert_max_num_queries):
    for n in range(40):
        submit(other_user, instruction=f"Why is the sky blue on a clear day? {n}")
    mine = draft(user)
    client = client_for(user)
    post(client, {"public_id": str(mine.public_id)})  # session and user loaded once
    with django_assert_max_num_queries(8):
        answer = post(
            client,
            {"public_id": str(mine.public_id), "category": "open_qa", "response": EMAIL_RESPONSE},
        )
    assert {w["code"] for w in answer.json()["warnings"]} >= {"personal_data", "near_duplicate"}
