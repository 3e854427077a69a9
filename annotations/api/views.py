from django.db import transaction
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import selectors, services
from ..exceptions import IdempotencyConflict
from ..models import Demonstration, Origin, Status
from .serializers import (
    CategorySerializer,
    ConflictSerializer,
    DeleteSerializer,
    DemonstrationPatchSerializer,
    DemonstrationSerializer,
    DemonstrationWriteSerializer,
    SubmitSerializer,
)


class CategoryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = CategorySerializer
    pagination_class = None
    filter_backends = []

    def get_queryset(self):
        return selectors.active_categories()


class DemonstrationFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Status.choices)
    category = filters.CharFilter(field_name="category__key")

    class Meta:
        model = Demonstration
        fields = ["status", "category"]


IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Repeat a POST with the same key and the same body to get the first result (200) instead of "
    "a second record; the same key with a different body is refused with 422.",
)


@extend_schema_view(
    list=extend_schema(summary="Your demonstrations"),
    retrieve=extend_schema(summary="One demonstration"),
    destroy=extend_schema(
        summary="Delete one of your drafts",
        description="Send the `version` you read: a draft changed since is not deleted (409).",
        parameters=[DeleteSerializer],
        responses={204: None, 409: ConflictSerializer},
    ),
)
class DemonstrationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = DemonstrationSerializer
    filterset_class = DemonstrationFilter
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_converter = "uuid"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Demonstration.objects.none()
        return selectors.own_demonstrations(user=self.request.user)

    def get_object(self):
        public_id = self.kwargs[self.lookup_url_kwarg]
        if self.action == "retrieve":
            return selectors.access_demonstration(user=self.request.user, public_id=public_id)
        return selectors.access_own_demonstration(user=self.request.user, public_id=public_id)

    @extend_schema(
        summary="Write a demonstration (a draft, or submitted at once)",
        request=DemonstrationWriteSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: DemonstrationSerializer, 200: DemonstrationSerializer, 422: ConflictSerializer},
    )
    def create(self, request):
        payload = DemonstrationWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        submit = data.pop("submit")
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 64:
            return Response({"Idempotency-Key": ["At most 64 characters."]}, status=status.HTTP_400_BAD_REQUEST)
        try:
            demonstration, created = services.demonstration_create(
                author=request.user,
                origin=Origin.API,
                submit=submit,
                idempotency_key=key,
                **data,
            )
        except IdempotencyConflict as error:
            return Response(
                {"detail": str(error), "code": "idempotency_key_reused"},
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return Response(
            DemonstrationSerializer(demonstration).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        summary="Edit a draft or a sent-back demonstration",
        request=DemonstrationPatchSerializer,
        responses={200: DemonstrationSerializer, 409: ConflictSerializer},
    )
    def partial_update(self, request, id=None):
        demonstration = self.get_object()
        payload = DemonstrationPatchSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        changes = dict(payload.validated_data)
        version = changes.pop("version")
        updated = services.demonstration_update(
            demonstration=demonstration,
            editor=request.user,
            expected_version=version,
            changes=changes,
        )
        return Response(DemonstrationSerializer(updated).data)

    def destroy(self, request, id=None):
        demonstration = self.get_object()
        payload = DeleteSerializer(data=request.query_params)
        payload.is_valid(raise_exception=True)
        services.demonstration_delete(
            demonstration=demonstration, actor=request.user, expected_version=payload.validated_data["version"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Submit for review",
        request=SubmitSerializer,
        responses={200: DemonstrationSerializer, 409: ConflictSerializer},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, id=None):
        demonstration = self.get_object()
        payload = SubmitSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with transaction.atomic():
            submitted = services.demonstration_submit(
                demonstration=demonstration,
                actor=request.user,
                expected_version=payload.validated_data.get("version"),
            )
        return Response(DemonstrationSerializer(submitted).data)
