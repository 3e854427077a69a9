"""The hourly submission limit, enforced by the submit services for the form, the API and imports alike."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from annotations import services
from annotations.models import Category, Demonstration, Origin, Status

pytestmark = pytest.mark.django_db
RESPONSE = "Rivers carry dissolved minerals into the sea, and evaporation leaves the salt behind."


@pytest.fixture
def limit_two(settings):
    settings.DOLLY_MAX_SUBMISSIONS_PER_HOUR = 2


def create(author, n, **kwargs):
    return services.demonstration_create(
        author=author,
        category=Category.objects.get(key="open_qa"),
        instruction=f"Question {n} about the sea?",
        response=RESPONSE,
        **kwargs,
    )[0]


def test_the_third_submission_in_an_hour_is_refused_and_nothing_is_saved(limit_two, user):
    create(user, 1, submit=True)
    create(user, 2, submit=True)
    with pytest.raises(ValidationError) as error:
        create(user, 3, submit=True)
    assert "submit" in error.value.message_dict
    assert Demonstration.objects.filter(author=user).count() == 2
    draft = create(user, 4)
    assert draft.status == Status.DRAFT
    with pytest.raises(ValidationError):
        services.demonstration_submit(demonstration=draft, actor=user)
    with pytest.raises(ValidationError):
        services.demonstration_update(
            demonstration=draft,
            editor=user,
            expected_version=draft.version,
            changes={"response": RESPONSE + " More."},
            submit=True,
        )
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT and draft.response == RESPONSE


def test_submissions_older_than_an_hour_do_not_count_and_imports_are_exempt(limit_two, user):
    create(user, 1, submit=True)
    create(user, 2, submit=True)
    Demonstration.objects.update(submitted_at=timezone.now() - datetime.timedelta(minutes=61))
    create(user, 3, submit=True)
    create(user, 4, submit=True)
    imported = create(user, 5, submit=True, origin=Origin.IMPORT)
    assert imported.status == Status.SUBMITTED


def test_resubmitting_a_sent_back_demonstration_does_not_count_it_twice(limit_two, user):
    first = create(user, 1, submit=True)
    create(user, 2, submit=True)
    Demonstration.objects.filter(pk=first.pk).update(status=Status.CHANGES_REQUESTED)
    first.refresh_from_db()
    assert services.demonstration_submit(demonstration=first, actor=user).status == Status.SUBMITTED


def test_the_api_answers_400_naming_submit(limit_two, api_for, user):
    api = api_for(user)
    body = {"category": "open_qa", "response": RESPONSE, "submit": True}
    for n in (1, 2):
        assert api.post("/api/v1/demonstrations/", {**body, "instruction": f"Question {n}?"}).status_code == 201
    refused = api.post("/api/v1/demonstrations/", {**body, "instruction": "Question 3?"})
    assert refused.status_code == 400 and list(refused.json()) == ["submit"]
    saved = api.post("/api/v1/demonstrations/", {**body, "instruction": "Question 3?", "submit": False})
    assert saved.status_code == 201


def test_the_form_keeps_the_text_and_says_why(limit_two, client_for, user):
    create(user, 1, submit=True)
    create(user, 2, submit=True)
    response = client_for(user).post(
        reverse("demonstration-create"),
        {
            "category": "open_qa",
            "instruction": "My third question today?",
            "context": "",
            "source_url": "",
            "response": RESPONSE,
            "action": "submit",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "the most allowed" in html and "My third question today?" in html
