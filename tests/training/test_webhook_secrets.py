"""Webhook signing secrets are encrypted at rest, shown once, rotated by key list, and encrypted by
the migration that introduced encryption; deliveries still sign with the plain secret."""

import json
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from datasets.models import WebhookDelivery, WebhookEndpoint
from datasets.webhooks import secrets, services, signing

SECRET = "a-long-shared-secret-for-tests"


def stored_row(endpoint):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM datasets_webhookendpoint WHERE id = %s", [endpoint.pk])
        return [str(value) for value in cursor.fetchone()]


@pytest.mark.django_db
def test_the_secret_is_stored_encrypted_and_deliveries_are_signed_with_it(receiver, admin_user):
    endpoint = services.webhook_endpoint_create(
        url=receiver.url(), secret=SECRET, events=["import.finished"], created_by=admin_user
    )
    row = stored_row(endpoint)
    assert not any(SECRET in value for value in row)
    assert WebhookEndpoint.objects.get().signing_secret() == SECRET
    (delivery,) = services.webhook_event_send(event="import.finished", payload={})
    assert services.webhook_deliver(delivery.pk) == WebhookDelivery.State.SUCCEEDED
    request = receiver.requests[-1]
    assert signing.verify(SECRET, request.body, request.headers["x-dolly-signature"])


@pytest.mark.django_db
def test_keys_rotate_newest_first_and_a_dropped_key_fails_the_attempt_not_the_site(
    receiver, admin_user, settings, capsys
):
    settings.DOLLY_WEBHOOK_KEYS = ["the-old-key"]
    endpoint = services.webhook_endpoint_create(
        url=receiver.url(), secret=SECRET, events=["import.finished"], created_by=admin_user
    )
    settings.DOLLY_WEBHOOK_KEYS = ["the-new-key"]  # the old key dropped too early
    (delivery,) = services.webhook_event_send(event="import.finished", payload={})
    assert services.webhook_deliver(delivery.pk) == WebhookDelivery.State.RETRYING
    assert "cannot be decrypted" in delivery.attempts.get().error and receiver.requests == []
    settings.DOLLY_WEBHOOK_KEYS = ["the-new-key", "the-old-key"]
    assert WebhookEndpoint.objects.get().signing_secret() == SECRET
    call_command("rotate_webhook_keys")
    assert "1 webhook secrets encrypted under the newest key" in capsys.readouterr().out
    settings.DOLLY_WEBHOOK_KEYS = ["the-new-key"]
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).signing_secret() == SECRET
    services.webhook_redeliver(delivery=delivery)
    assert services.webhook_deliver(delivery.pk) == WebhookDelivery.State.SUCCEEDED
    assert signing.verify(SECRET, receiver.requests[-1].body, receiver.requests[-1].headers["x-dolly-signature"])


@pytest.mark.django_db
def test_without_webhook_keys_the_secret_key_and_its_fallbacks_are_used(settings, admin_user):
    settings.DOLLY_WEBHOOK_KEYS = []
    token = secrets.encrypt(SECRET)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "another-secret-key-after-rotation-" + "x" * 30
    assert secrets.decrypt(token) == SECRET
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(secrets.SecretUnreadable):
        secrets.decrypt(token)


@pytest.mark.django_db
def test_a_generated_secret_is_shown_once_on_the_page_and_in_the_api(client_for, api_for, admin_user):
    client = client_for(admin_user)
    response = client.post(
        reverse("datasets:webhook-list"), {"url": "https://example.com/hook", "events": ["release.published"]}
    )
    assert response.status_code == 302
    first = client.get(response["Location"]).content.decode()
    shown = re.search(r'<code class="webhook-secret">([^<]+)</code>', first).group(1)
    assert len(shown) >= 32 and WebhookEndpoint.objects.get().signing_secret() == shown
    assert shown not in client.get(response["Location"]).content.decode()

    api = api_for(admin_user)
    created = api.post(
        reverse("api:webhook-list"),
        {"url": "https://example.com/other", "events": ["release.published"]},
        format="json",
    )
    assert created.status_code == 201
    secret = created.json()["secret"]
    assert WebhookEndpoint.objects.get(public_id=created.json()["id"]).signing_secret() == secret
    again = api.get(reverse("api:webhook-detail", kwargs={"id": created.json()["id"]})).json()
    assert "secret" not in again and secret not in json.dumps(api.get(reverse("api:webhook-list")).json())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_encrypts_the_secrets_already_stored():
    executor = MigrationExecutor(connection)
    before = [("datasets", "0007_job_queued_at")]
    executor.migrate(before)
    try:
        old_apps = executor.loader.project_state(before).apps
        owner = old_apps.get_model("auth", "User").objects.create(username="owner")
        old_apps.get_model("datasets", "WebhookEndpoint").objects.create(
            url="https://example.com/hook", secret=SECRET, events=["release.published"], created_by=owner
        )
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    finally:
        call_command("migrate", verbosity=0)
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.signing_secret() == SECRET
    assert not any(SECRET in value for value in stored_row(endpoint))
