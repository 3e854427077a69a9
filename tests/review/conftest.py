import pytest
from django.db import connection

from annotations import services
from annotations.models import Category, Origin
from tests.factories import ReviewerFactory, UserFactory

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs real concurrent connections (PostgreSQL)",
)


def category(key):
    return Category.objects.get(key=key)


def submit(
    author,
    *,
    key="open_qa",
    instruction="Why is the sky blue on a clear day?",
    response="Air molecules scatter short blue wavelengths of sunlight far more than red ones.",
    context="",
    source_url="",
    **kwargs,
):
    """A demonstration submitted through the real service (flags computed, round started)."""
    demonstration, _ = services.demonstration_create(
        author=author,
        category=category(key),
        instruction=instruction,
        context=context,
        source_url=source_url,
        response=response,
        origin=Origin.WEB,
        submit=True,
        **kwargs,
    )
    return demonstration


@pytest.fixture
def second_reviewer(db):
    return ReviewerFactory(username="sam")


@pytest.fixture
def contributor(db):
    return UserFactory(username="carol")
