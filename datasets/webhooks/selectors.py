from django.db.models import Count, Prefetch
from django.http import Http404

from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def endpoints():
    return (
        WebhookEndpoint.objects.select_related("created_by")
        .annotate(delivery_count=Count("deliveries"))
        .order_by("-created_at", "-id")
    )


def access_endpoint(*, public_id):
    try:
        return endpoints().get(public_id=public_id)
    except (WebhookEndpoint.DoesNotExist, ValueError) as exc:
        raise Http404("No such webhook.") from exc


def deliveries(*, endpoint):
    """An endpoint's deliveries, newest first, each with its attempts (newest first)."""
    return WebhookDelivery.objects.filter(endpoint=endpoint).prefetch_related(
        Prefetch("attempts", queryset=WebhookAttempt.objects.order_by("-started_at", "-id"))
    )


def access_delivery(*, public_id):
    try:
        return WebhookDelivery.objects.select_related("endpoint").get(public_id=public_id)
    except (WebhookDelivery.DoesNotExist, ValueError) as exc:
        raise Http404("No such delivery.") from exc
