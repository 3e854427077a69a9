"""Webhooks against a real HTTP server on 127.0.0.1: signature, body, retries, attempts, SSRF rules."""

import datetime
import ipaddress
import json

import pytest
from django.urls import reverse

from datasets.models import WebhookDelivery, WebhookEndpoint
from datasets.webhooks import services, signing, transport

pytestmark = pytest.mark.django_db

SECRET = "a-long-shared-secret-for-tests"


@pytest.fixture
def endpoint(receiver, admin_user):
    return services.webhook_endpoint_create(
        url=receiver.url(),
        secret=SECRET,
        events=["release.published", "release.failed", "import.finished"],
        created_by=admin_user,
    )


def received_json(receiver, index=-1):
    return json.loads(receiver.requests[index].body)


def test_admins_register_endpoints_with_the_api(api_for, admin_user, user, receiver):
    api = api_for(admin_user)
    body = {"url": receiver.url(), "secret": SECRET, "events": ["release.published"]}
    created = api.post(reverse("api:webhook-list"), body, format="json")
    assert created.status_code == 201 and created.json()["secret"] == SECRET  # returned this once
    assert WebhookEndpoint.objects.get().events == ["release.published"]
    listed = api.get(reverse("api:webhook-list")).json()["results"]
    assert [row["url"] for row in listed] == [receiver.url()] and "secret" not in listed[0]
    assert api_for(user).post(reverse("api:webhook-list"), body, format="json").status_code == 403


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("url", "ftp://example.com/hook"),
        ("url", "http://user:pw@example.com/"),
        ("secret", "short"),
        ("events", ["release.deleted"]),
        ("events", []),
    ],
)
def test_a_bad_endpoint_is_a_400_naming_the_field(api_for, admin_user, field, value):
    body = {"url": "https://example.com/hook", "secret": SECRET, "events": ["release.published"], field: value}
    response = api_for(admin_user).post(reverse("api:webhook-list"), body, format="json")
    assert response.status_code == 400 and field in response.json(), response.json()
    assert WebhookEndpoint.objects.count() == 0


def test_a_published_release_is_posted_signed_with_the_api_body(
    endpoint, receiver, approved, build, api_for, admin_user, settings, django_capture_on_commit_callbacks
):
    settings.DOLLY_SITE_URL = "http://testserver"
    approved("open_qa", instruction="What is a webhook?")
    with django_capture_on_commit_callbacks(execute=True):
        release = build(tag="nightly")
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request.headers["content-type"] == "application/json"
    assert signing.verify(SECRET, request.body, request.headers["x-dolly-signature"])
    t, v1 = (part.split("=", 1)[1] for part in request.headers["x-dolly-signature"].split(","))
    assert v1 == signing.signature(SECRET, request.body, int(t))
    assert not signing.verify("another-secret-entirely", request.body, request.headers["x-dolly-signature"])
    payload = json.loads(request.body)
    assert payload["event"] == "release.published" == request.headers["x-dolly-event"]
    api_body = api_for(admin_user).get(reverse("api:export-detail", kwargs={"id": release.public_id})).json()
    assert payload["release"] == api_body and payload["release"]["archive"]["sha256"]
    delivery = WebhookDelivery.objects.get()
    assert str(delivery.event_id) == payload["id"] and delivery.status == WebhookDelivery.State.SUCCEEDED
    attempt = delivery.attempts.get()
    assert attempt.status_code == 200 and attempt.response_excerpt == "ok" and attempt.duration_ms >= 0


def test_endpoints_get_only_the_events_they_asked_for(
    receiver, admin_user, approved, build, django_capture_on_commit_callbacks
):
    services.webhook_endpoint_create(
        url=receiver.url(), secret=SECRET, events=["import.finished"], created_by=admin_user
    )
    approved("open_qa", instruction="Anything?")
    with django_capture_on_commit_callbacks(execute=True):
        build()
    assert receiver.requests == [] and WebhookDelivery.objects.count() == 0


def test_a_failing_endpoint_is_retried_with_growing_waits_then_given_up(endpoint, receiver, settings):
    settings.DOLLY_WEBHOOK_RETRY_SECONDS = 60
    receiver.status, receiver.body = 503, b"busy, come back later"
    (delivery,) = services.webhook_event_send(event="import.finished", payload={"import": {"id": "x"}})
    now = delivery.next_attempt_at
    assert services.webhook_deliver(delivery.pk, now=now) == WebhookDelivery.State.RETRYING
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == now + datetime.timedelta(seconds=10) and delivery.attempt_count == 1
    attempt = delivery.attempts.get()
    assert attempt.status_code == 503 and attempt.response_excerpt == "busy, come back later"
    assert services.webhook_deliver(delivery.pk, now=now + datetime.timedelta(seconds=5)) is None  # not due
    later = now + datetime.timedelta(seconds=10)
    assert services.webhook_deliver(delivery.pk, now=later) == WebhookDelivery.State.RETRYING
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == later + datetime.timedelta(seconds=20)
    assert [services.retry_wait(n) for n in (1, 2, 3, 4, 20)] == [10, 20, 40, 80, services.MAX_WAIT]
    # The third wait (40 s) would end past the 60 s window: the delivery gives up.
    assert services.webhook_deliver(delivery.pk, now=later + datetime.timedelta(seconds=20)) == "failed"
    assert delivery.attempts.count() == 3 == len(receiver.requests)
    assert services.webhook_deliver(delivery.pk, now=later + datetime.timedelta(hours=1)) is None

    receiver.status = 204
    services.webhook_redeliver(delivery=delivery)
    assert services.webhook_deliver(delivery.pk) == WebhookDelivery.State.SUCCEEDED
    assert received_json(receiver, 0) == received_json(receiver, -1)  # the same body and event id


def test_redirects_are_not_followed(endpoint, receiver):
    receiver.status, receiver.headers = 302, {"Location": "http://169.254.169.254/latest/meta-data/"}
    (delivery,) = services.webhook_event_send(event="import.finished", payload={})
    assert services.webhook_deliver(delivery.pk) == WebhookDelivery.State.RETRYING
    assert delivery.attempts.get().status_code == 302 and len(receiver.requests) == 1


def test_only_a_small_part_of_the_response_is_read(endpoint, receiver):
    receiver.body = b"x" * 200_000
    (delivery,) = services.webhook_event_send(event="import.finished", payload={})
    services.webhook_deliver(delivery.pk)
    assert len(delivery.attempts.get().response_excerpt) == transport.MAX_RESPONSE_BYTES


def test_a_slow_endpoint_times_out(endpoint, receiver, monkeypatch):
    monkeypatch.setattr(transport, "TOTAL_TIMEOUT", 0.5)
    receiver.delay = 3
    (delivery,) = services.webhook_event_send(event="import.finished", payload={})
    assert services.webhook_deliver(delivery.pk) == WebhookDelivery.State.RETRYING
    attempt = delivery.attempts.get()
    assert attempt.status_code is None and "timed out" in attempt.error.lower()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/hook",
        "http://localhost:{port}/hook",
        "http://[::1]:{port}/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.7/hook",
        "http://0.0.0.0:{port}/",
    ],
)
def test_private_addresses_are_refused_unless_allowed(url, receiver, admin_user, settings):
    settings.DOLLY_WEBHOOK_ALLOW_PRIVATE = False
    endpoint = services.webhook_endpoint_create(
        url=url.format(port=receiver.port), secret=SECRET, events=["import.finished"], created_by=admin_user
    )
    delivery = services.webhook_test_send(endpoint=endpoint)
    services.webhook_deliver(delivery.pk)
    attempt = delivery.attempts.get()
    assert attempt.status_code is None and "DOLLY_WEBHOOK_ALLOW_PRIVATE" in attempt.error
    assert receiver.requests == []


def test_the_connection_goes_to_the_address_resolved_once(receiver, monkeypatch):
    calls = []
    real = transport.socket.getaddrinfo

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(transport.socket, "getaddrinfo", counting)
    answer = transport.post(f"http://localhost:{receiver.port}/hook", b"{}", {}, allow_private=True)
    # The name is looked up once; connecting then only parses the numeric address it gave.
    assert answer.status == 200 and calls.count("localhost") == 1
    assert all(ipaddress.ip_address(host) for host in calls[1:])
    assert receiver.requests[0].headers["host"] == f"localhost:{receiver.port}"


def test_admins_test_and_redeliver_in_the_site(client_for, admin_user, receiver):
    client = client_for(admin_user)
    response = client.post(
        reverse("datasets:webhook-list"), {"url": receiver.url(), "secret": SECRET, "events": ["release.published"]}
    )
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "datasets:webhook-detail", args=[endpoint.public_id]
    )
    with_commit = client.post(reverse("datasets:webhook-test", args=[endpoint.public_id]))
    assert with_commit.status_code == 302
    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "webhook.test"
    services.webhook_deliver(delivery.pk)
    page = client.get(reverse("datasets:webhook-detail", args=[endpoint.public_id])).content.decode()
    assert "webhook.test" in page and "200" in page and "ok" in page
    assert client.post(reverse("datasets:webhook-redeliver", args=[delivery.public_id])).status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.State.PENDING
    services.webhook_deliver(delivery.pk)
    assert len(receiver.requests) == 2 and delivery.attempts.count() == 2
    client.post(reverse("datasets:webhook-deactivate", args=[endpoint.public_id]))
    assert services.webhook_event_send(event="release.published", payload={}) == []


def test_a_finished_import_is_told(endpoint, receiver, admin_user, write_jsonl, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from datasets import services as dataset_services

    path = write_jsonl([{"instruction": "Say hi.", "context": "", "response": "Hi.", "category": "open_qa"}])
    upload = SimpleUploadedFile("hi.jsonl", path.read_bytes())
    with django_capture_on_commit_callbacks(execute=True):  # the file is checked in the background
        batch = dataset_services.import_stage(created_by=admin_user, upload=upload, target_status="approved")
    batch.refresh_from_db()
    assert batch.status == "valid", batch.problems
    with django_capture_on_commit_callbacks(execute=True):
        dataset_services.import_confirm(batch=batch)
    payload = received_json(receiver)
    assert payload["event"] == "import.finished"
    assert payload["import"]["id"] == str(batch.public_id) and payload["import"]["imported_count"] == 1


def test_the_site_shows_a_refused_address_on_its_field_and_registers_nothing(client_for, admin_user):
    response = client_for(admin_user).post(
        reverse("datasets:webhook-list"),
        {"url": "http://someone:password@127.0.0.1:8210/hook", "secret": SECRET, "events": ["release.published"]},
    )
    assert response.status_code == 200
    assert "without a user name or password" in response.context["form"].errors["url"][0]
    assert not WebhookEndpoint.objects.exists()


def test_an_import_from_the_command_line_is_told_like_an_upload(
    endpoint, receiver, write_jsonl, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    from datasets.models import ImportBatch

    path = write_jsonl([{"instruction": "Say hello.", "context": "", "response": "Hello.", "category": "open_qa"}])
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_dataset", str(path), stdout=open("/dev/null", "w"))  # noqa: SIM115
    batch = ImportBatch.objects.get()
    payload = received_json(receiver)
    assert payload["event"] == "import.finished" == receiver.requests[-1].headers["x-dolly-event"]
    assert payload["import"]["id"] == str(batch.public_id)
    assert payload["import"]["status"] == "done" and payload["import"]["imported_count"] == 1
