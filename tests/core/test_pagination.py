"""Every list, on the pages and in the API, refuses a page number or size it cannot use by name."""

import pytest
from django.urls import reverse

from datasets.webhooks import services as webhook_services
from tests.factories import AdminFactory

pytestmark = pytest.mark.django_db

BAD_PAGES = ["abc", "-1", "0", "²", "٣", "1.5", "9" * 40]


@pytest.fixture
def admin(db):
    return AdminFactory(username="ada")


@pytest.fixture
def list_pages(admin):
    endpoint = webhook_services.webhook_endpoint_create(
        url="https://example.com/hook", secret="a-long-shared-secret", events=["import.finished"], created_by=admin
    )
    return [
        reverse("demonstration-list"),
        reverse("notification-list"),
        reverse("open-instruction-list"),
        reverse("open-instruction-mine"),
        reverse("my-points"),
        reverse("api-keys"),
        reverse("datasets:release-list"),
        reverse("datasets:import-list"),
        reverse("datasets:webhook-list"),
        reverse("datasets:webhook-detail", args=[endpoint.public_id]),
    ]


def test_every_list_page_refuses_a_bad_page_number_with_a_400_naming_it(client_for, admin, list_pages):
    client = client_for(admin)
    for url in list_pages:
        assert client.get(url).status_code == 200, url
        assert client.get(url, {"page": "1"}).status_code == 200, url
        for value in BAD_PAGES:
            response = client.get(url, {"page": value})
            assert response.status_code == 400, (url, value)
            text = response.content.decode()
            assert "“page”" in text and "from 1 upwards" in text, (url, value)


def test_a_page_past_the_end_of_a_list_page_is_a_404_not_another_page(client_for, admin, list_pages):
    client = client_for(admin)
    for url in list_pages:
        assert client.get(url, {"page": "99999"}).status_code == 404, url


def paginated_api_lists(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if "{" in path or get is None:
            continue
        if any(parameter["name"] == "page_size" for parameter in get.get("parameters", [])):
            yield path


def test_every_api_list_refuses_bad_page_and_page_size_values_by_name(api_for, admin):
    api = api_for(admin)
    lists = list(paginated_api_lists(api))
    assert "/api/v1/demonstrations/" in lists and "/api/v1/webhooks/" in lists and len(lists) >= 5, lists
    for path in lists:
        assert api.get(path, {"page_size": "200"}).status_code == 200, path
        for parameter, value in [
            *(("page", value) for value in BAD_PAGES),
            ("page_size", "0"),
            ("page_size", "-1"),
            ("page_size", "abc"),
            ("page_size", "201"),
            ("page_size", str(10**9)),
        ]:
            response = api.get(path, {parameter: value})
            assert response.status_code == 400, (path, parameter, value, response.content)
            assert list(response.json()) == [parameter], (path, parameter, value)
        past_the_end = api.get(path, {"page": "99999"})
        assert past_the_end.status_code == 404, path


def test_the_api_schema_states_the_page_size_bounds(api_for, admin):
    schema = api_for(admin).get("/api/schema/", {"format": "json"}).json()
    (page_size,) = (
        p for p in schema["paths"]["/api/v1/demonstrations/"]["get"]["parameters"] if p["name"] == "page_size"
    )
    assert page_size["schema"]["minimum"] == 1 and page_size["schema"]["maximum"] == 200
