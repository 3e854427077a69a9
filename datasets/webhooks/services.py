"""Every write of webhooks: register and remove endpoints, send an event, attempt a delivery,
redeliver, send a test event.

An event becomes one ``WebhookDelivery`` per active endpoint that asked for it, with its JSON
body fixed then; the delivery task is queued once the transaction commits.  A failed attempt
is retried after 10 s, 20 s, 40 s, ... (at most ``MAX_WAIT`` apart) until
``DOLLY_WEBHOOK_RETRY_SECONDS`` after the event; with an in-process task queue (no broker)
retries wait for ``manage.py send_webhooks`` instead of blocking the request.
"""

import datetime
import json
import logging
import secrets as python_secrets
import time
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.tasks import broker_errors, enqueue, registered_task

from . import secrets as webhook_secrets
from . import signing, transport
from .models import EVENTS, TEST_EVENT, WebhookAttempt, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

DELIVER_TASK = "datasets.webhook_deliver"
FIRST_WAIT = 10  # seconds before the first retry, doubled each time
MAX_WAIT = 1800  # never more than this between two attempts (below the broker's visibility timeout)
USER_AGENT = "DollyCollect-Webhook/1"


def check_endpoint(*, url, secret, events):
    """Raise a field-keyed ``ValidationError`` for a bad address, secret or event list."""
    errors = {}
    try:
        transport.check_url(url or "")
    except transport.Refused:
        errors["url"] = [
            _(
                "Give an http:// or https:// address with a host name (and a port from 1 to 65535), "
                "without a user name or password."
            )
        ]
    if not url or len(url) > 1000:
        errors.setdefault("url", [_("Give the address the events are posted to (at most 1000 characters).")])
    if not isinstance(secret, str) or not (secret == "" or 16 <= len(secret) <= 200):
        errors["secret"] = [_("The signing secret must have 16 to 200 characters.")]
    if not isinstance(events, list | tuple) or not events or any(event not in EVENTS for event in events):
        errors["events"] = [_("Choose events among %(events)s.") % {"events": ", ".join(EVENTS)}]
    if errors:
        raise ValidationError(errors)


def webhook_endpoint_create(*, url, events, created_by, secret=""):
    """Register an endpoint; without a secret one is generated.  The secret is stored encrypted and
    is readable only on the returned object's ``created_secret``, to be shown once."""
    check_endpoint(url=url, secret=secret, events=events)
    secret = secret or python_secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint.objects.create(
        url=url,
        encrypted_secret=webhook_secrets.encrypt(secret),
        events=[e for e in EVENTS if e in events],
        created_by=created_by,
    )
    endpoint.created_secret = secret
    return endpoint


def webhook_secrets_rotate():
    """Encrypt every stored secret under the newest key of ``DOLLY_WEBHOOK_KEYS`` (run before dropping
    an old key).  Returns how many were re-encrypted and the endpoints no configured key can read."""
    rotated, unreadable = 0, []
    for endpoint in WebhookEndpoint.objects.only("pk", "public_id", "encrypted_secret").iterator():
        try:
            token = webhook_secrets.rotate(endpoint.encrypted_secret)
        except webhook_secrets.SecretUnreadable:
            unreadable.append(endpoint.public_id)
            continue
        rotated += WebhookEndpoint.objects.filter(pk=endpoint.pk).update(encrypted_secret=token)
    return rotated, unreadable


def webhook_endpoint_deactivate(*, endpoint):
    """No new event reaches the endpoint; its deliveries and their attempts stay visible."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=False)
    endpoint.refresh_from_db()
    return endpoint


def webhook_event_send(*, event, payload):
    """Record ``event`` (``{"event", "id", "created_at", **payload}``) for every active endpoint
    that asked for it, and queue each delivery after the commit.  Returns the deliveries."""
    endpoints = [e for e in WebhookEndpoint.objects.filter(active=True) if event in e.events]
    return [_delivery_create(endpoint=endpoint, event=event, payload=payload) for endpoint in endpoints]


def webhook_test_send(*, endpoint):
    """A ``webhook.test`` event for one endpoint, whatever events it asked for."""
    return _delivery_create(endpoint=endpoint, event=TEST_EVENT, payload={"endpoint": str(endpoint.public_id)})


def _delivery_create(*, endpoint, event, payload):
    now = timezone.now()
    event_id = uuid.uuid4()
    body = {"event": event, "id": str(event_id), "created_at": now.isoformat(), **payload}
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event=event,
        event_id=event_id,
        body=json.dumps(body, sort_keys=False, ensure_ascii=False),
        next_attempt_at=now,
        give_up_at=now + datetime.timedelta(seconds=settings.DOLLY_WEBHOOK_RETRY_SECONDS),
    )
    enqueue(DELIVER_TASK, delivery.pk)
    return delivery


def webhook_redeliver(*, delivery):
    """Send a delivery again (same body and event id, a fresh signature), with a fresh retry window."""
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDelivery.State.PENDING,
        next_attempt_at=now,
        give_up_at=now + datetime.timedelta(seconds=settings.DOLLY_WEBHOOK_RETRY_SECONDS),
    )
    enqueue(DELIVER_TASK, delivery.pk)
    delivery.refresh_from_db()
    return delivery


def retry_wait(attempt_count):
    """Seconds to wait after the ``attempt_count``-th failed attempt."""
    return min(FIRST_WAIT * 2 ** (attempt_count - 1), MAX_WAIT)


def _claim(delivery_id, now):
    """The delivery, if it is due and not already delivered or abandoned (a duplicate task finds it not due)."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().select_related("endpoint").filter(pk=delivery_id).first()
        if delivery is None or delivery.status not in (WebhookDelivery.State.PENDING, WebhookDelivery.State.RETRYING):
            return None
        if delivery.next_attempt_at and delivery.next_attempt_at > now:
            return None
        delivery.attempt_count += 1
        delivery.next_attempt_at = None  # taken: a second worker finds it not due
        delivery.save(update_fields=["attempt_count", "next_attempt_at"])
    return delivery


def _send(delivery):
    """One POST; returns the ``WebhookAttempt`` fields."""
    body = delivery.body.encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Dolly-Event": delivery.event,
        "X-Dolly-Delivery": str(delivery.public_id),
    }
    started = time.monotonic()
    fields = {"started_at": timezone.now()}
    try:
        headers[signing.HEADER] = signing.signature_header(delivery.endpoint.signing_secret(), body)
    except webhook_secrets.SecretUnreadable:
        fields.update(error=_("The signing secret cannot be decrypted with DOLLY_WEBHOOK_KEYS; nothing was sent."))
        fields["duration_ms"] = 0
        return fields
    try:
        answer = transport.post(
            delivery.endpoint.url, body, headers, allow_private=settings.DOLLY_WEBHOOK_ALLOW_PRIVATE
        )
        fields.update(status_code=answer.status, response_excerpt=answer.body.decode("utf-8", "replace"))
    except transport.Refused as exc:
        fields["error"] = str(exc)[:500]
    except Exception as exc:  # noqa: BLE001 - any network failure is recorded on the attempt, never raised
        fields["error"] = f"{type(exc).__name__}: {exc}"[:500]
    fields["duration_ms"] = int((time.monotonic() - started) * 1000)
    return fields


def webhook_deliver(delivery_id, *, now=None):
    """Make one attempt at a due delivery, record it, and schedule the next one if it failed.

    Returns the delivery's status, or ``None`` when there was nothing to do."""
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    attempt = WebhookAttempt.objects.create(delivery=delivery, **_send(delivery))
    if attempt.succeeded:
        delivery.status = WebhookDelivery.State.SUCCEEDED
    else:
        wait = retry_wait(delivery.attempt_count)
        next_at = now + datetime.timedelta(seconds=wait)
        if next_at > delivery.give_up_at:
            delivery.status = WebhookDelivery.State.FAILED
        else:
            delivery.status, delivery.next_attempt_at = WebhookDelivery.State.RETRYING, next_at
            _schedule(delivery.pk, wait)
    delivery.save(update_fields=["status", "next_attempt_at"])
    return delivery.status


def _schedule(delivery_id, wait):
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return  # no broker to hold it: manage.py send_webhooks sends it when it is due
    try:
        registered_task(DELIVER_TASK).apply_async(args=[delivery_id], countdown=wait, retry=False)
    except broker_errors() as error:
        logger.warning("could not schedule the retry of webhook delivery %s: %s", delivery_id, error)


def webhook_send_due(*, now=None):
    """Attempt every delivery that is due (what ``manage.py send_webhooks`` runs, e.g. from cron)."""
    now = now or timezone.now()
    due = WebhookDelivery.objects.filter(
        status__in=[WebhookDelivery.State.PENDING, WebhookDelivery.State.RETRYING], next_attempt_at__lte=now
    ).values_list("pk", flat=True)[:500]
    return [webhook_deliver(pk, now=now) for pk in list(due)]
