"""Open instructions API: list the pool, pose one, answer one, withdraw one's own."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from annotations.api.serializers import ConflictSerializer, DemonstrationSerializer
from annotations.models import Category, OpenInstruction, Origin

from . import selectors, services


class OpenInstructionSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    category = serializers.SlugRelatedField(slug_field="key", read_only=True)
    author = serializers.CharField(source="author.username", read_only=True)

    class Meta:
        model = OpenInstruction
        fields = [
            "id",
            "category",
            "author",
            "instruction",
            "context",
            "source_url",
            "state",
            "created_at",
            "answered_at",
        ]
        read_only_fields = fields


def _text(**kwargs):
    return serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, **kwargs)


class OpenInstructionWriteSerializer(serializers.Serializer):
    category = serializers.SlugRelatedField(slug_field="key", queryset=Category.objects.filter(is_active=True))
    instruction = _text()
    context = _text(help_text="Required by categories that work from a reference text.")
    source_url = _text()


class AnswerSerializer(serializers.Serializer):
    instruction = _text(help_text="Your rephrasing; the original instruction when left out.")
    response = _text()


@extend_schema_view(
    list=extend_schema(
        summary="Open instructions you could answer, oldest first",
        parameters=[
            OpenApiParameter("category", OpenApiTypes.STR, description="Category key."),
            OpenApiParameter("mine", OpenApiTypes.BOOL, description="List the ones you posed instead (any state)."),
        ],
    ),
    destroy=extend_schema(
        summary="Withdraw one of your open instructions",
        responses={204: None, 403: OpenApiResponse(description="Not yours."), 409: ConflictSerializer},
    ),
)
class OpenInstructionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = OpenInstructionSerializer
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_converter = "uuid"
    filter_backends = []
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self):
        if self.request.query_params.get("mine") in ("1", "true", "True"):
            return selectors.own_open_instructions(user=self.request.user)
        key = self.request.query_params.get("category")
        category_id = Category.objects.filter(key=key).values_list("pk", flat=True).first() if key else None
        if key and category_id is None:
            return OpenInstruction.objects.none()
        return selectors.open_pool(user=self.request.user, category_id=category_id)

    def get_object(self):
        return selectors.access_open_instruction(user=self.request.user, public_id=self.kwargs["id"])

    @extend_schema(
        summary="Pose an instruction for someone else to answer",
        request=OpenInstructionWriteSerializer,
        responses={201: OpenInstructionSerializer},
    )
    def create(self, request):
        payload = OpenInstructionWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        created = services.open_instruction_create(author=request.user, **payload.validated_data)
        return Response(OpenInstructionSerializer(created).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, id=None):
        services.open_instruction_withdraw(open_instruction=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Answer an open instruction",
        description="Creates a submitted demonstration written by you that records the instruction's author. "
        "Each instruction is answered once; nobody answers their own.",
        request=AnswerSerializer,
        responses={
            201: DemonstrationSerializer,
            403: OpenApiResponse(description="Your own instruction."),
            409: ConflictSerializer,
        },
    )
    @action(detail=True, methods=["post"])
    def answer(self, request, id=None):
        open_instruction = self.get_object()
        payload = AnswerSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        demonstration = services.open_instruction_answer(
            open_instruction=open_instruction,
            answerer=request.user,
            origin=Origin.API,
            instruction=payload.validated_data.get("instruction"),
            response=payload.validated_data.get("response", ""),
        )
        return Response(DemonstrationSerializer(demonstration).data, status=status.HTTP_201_CREATED)
