import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_home_lists_the_eight_categories(client_for, user):
    response = client_for(user).get(reverse("home"))
    assert response.status_code == 200
    for key in [
        "open_qa",
        "closed_qa",
        "information_extraction",
        "summarization",
        "brainstorming",
        "classification",
        "creative_writing",
        "general_qa",
    ]:
        assert f"category={key}".encode() in response.content
