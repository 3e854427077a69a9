"""``/api/v1/webhooks/``: admins register endpoints, see deliveries and attempts, test and redeliver."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAdmin

from . import selectors, services
from .models import EVENTS, WebhookAttempt, WebhookDelivery, WebhookEndpoint


class EndpointSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    secret = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        min_length=16,
        max_length=200,
        help_text="Signs every delivery; left out, one is generated. Stored encrypted, returned only at creation.",
    )
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENTS), allow_empty=False)

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "secret", "events", "active", "created_at"]
        read_only_fields = ["active", "created_at"]
        extra_kwargs = {"url": {"validators": []}}


class CreatedEndpointSerializer(EndpointSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="The signing secret, returned this once: it is stored encrypted and never shown again.",
    )


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["started_at", "duration_ms", "status_code", "response_excerpt", "error"]


class DeliverySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    attempts = AttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = ["id", "event", "event_id", "status", "attempt_count", "next_attempt_at", "give_up_at", "created_at"]
        fields += ["body", "attempts"]


def _checked(call):
    try:
        return call()
    except DjangoValidationError as exc:
        raise ValidationError(exc.message_dict)


class EndpointListCreateView(generics.GenericAPIView):
    permission_classes = [permissions.IsAuthenticated, IsAdmin]
    serializer_class = EndpointSerializer
    filter_backends = []

    def get_queryset(self):
        return selectors.endpoints()

    @extend_schema(summary="Webhook endpoints", responses=EndpointSerializer(many=True))
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(EndpointSerializer(page, many=True).data)

    @extend_schema(
        summary="Register a webhook endpoint", request=EndpointSerializer, responses={201: CreatedEndpointSerializer}
    )
    def post(self, request):
        payload = EndpointSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        endpoint = _checked(lambda: services.webhook_endpoint_create(**payload.validated_data, created_by=request.user))
        body = {**EndpointSerializer(endpoint).data, "secret": endpoint.created_secret}
        return Response(body, status=status.HTTP_201_CREATED)


class EndpointDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated, IsAdmin]

    @extend_schema(summary="One webhook endpoint", responses=EndpointSerializer)
    def get(self, request, id):
        return Response(EndpointSerializer(selectors.access_endpoint(public_id=id)).data)

    @extend_schema(summary="Stop sending events to the endpoint (its deliveries stay listed)", responses={204: None})
    def delete(self, request, id):
        services.webhook_endpoint_deactivate(endpoint=selectors.access_endpoint(public_id=id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class EndpointTestView(APIView):
    permission_classes = [permissions.IsAuthenticated, IsAdmin]

    @extend_schema(
        summary="Send a webhook.test event to the endpoint", request=None, responses={202: DeliverySerializer}
    )
    def post(self, request, id):
        delivery = services.webhook_test_send(endpoint=selectors.access_endpoint(public_id=id))
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class DeliveryListView(generics.GenericAPIView):
    permission_classes = [permissions.IsAuthenticated, IsAdmin]
    serializer_class = DeliverySerializer
    filter_backends = []

    @extend_schema(
        summary="An endpoint's deliveries, newest first, with every attempt", responses=DeliverySerializer(many=True)
    )
    def get(self, request, id):
        page = self.paginate_queryset(selectors.deliveries(endpoint=selectors.access_endpoint(public_id=id)))
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)


class RedeliverView(APIView):
    permission_classes = [permissions.IsAuthenticated, IsAdmin]

    @extend_schema(
        summary="Send a delivery again (same body, fresh signature)", request=None, responses={202: DeliverySerializer}
    )
    def post(self, request, id):
        delivery = services.webhook_redeliver(delivery=selectors.access_delivery(public_id=id))
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


urlpatterns = [
    path("", EndpointListCreateView.as_view(), name="webhook-list"),
    path("<uuid:id>/", EndpointDetailView.as_view(), name="webhook-detail"),
    path("<uuid:id>/test/", EndpointTestView.as_view(), name="webhook-test"),
    path("<uuid:id>/deliveries/", DeliveryListView.as_view(), name="webhook-deliveries"),
    path("deliveries/<uuid:id>/redeliver/", RedeliverView.as_view(), name="webhook-redeliver"),
]
