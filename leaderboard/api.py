"""Contests, leaderboards and a person's points over the API.  Thin: parse, call, serialise."""

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.response import Response

from accounts.permissions import IsAdminOrReadOnly as AdminOrReadOnly
from annotations.models import Category
from core.integers import IntegerField

from . import selectors
from .explain import describe
from .models import Contest, PointEntry, Reason
from .services import contests


class IsAdminOrReadOnly(AdminOrReadOnly):
    message = "Only admins can create or change contests."


class ProgressSerializer(serializers.Serializer):
    category = serializers.CharField(source="category.key")
    approved = serializers.IntegerField()
    target = serializers.IntegerField(allow_null=True)
    percent = serializers.IntegerField(allow_null=True, help_text="Share of the target reached, 0-100.")


class RulesSerializer(serializers.Serializer):
    base_points = serializers.IntegerField()
    category_multipliers = serializers.DictField(child=serializers.CharField())
    rating_bonus = serializers.IntegerField()
    open_instruction_bonus = serializers.IntegerField()
    review_points = serializers.IntegerField()
    daily_cap = serializers.IntegerField(allow_null=True)
    balance_bonus = serializers.BooleanField()
    balance_max_multiplier = serializers.DecimalField(max_digits=4, decimal_places=2)


class ContestSerializer(serializers.ModelSerializer):
    categories = serializers.SlugRelatedField(slug_field="key", many=True, read_only=True)
    status = serializers.CharField(read_only=True, help_text="upcoming, running or ended.")
    rules = serializers.SerializerMethodField()
    category_targets = serializers.DictField(child=serializers.IntegerField())

    class Meta:
        model = Contest
        fields = [
            "slug",
            "name",
            "description",
            "prizes",
            "starts_at",
            "ends_at",
            "time_zone",
            "status",
            "categories",
            "category_targets",
            "rules",
        ]
        read_only_fields = fields

    @extend_schema_field(RulesSerializer)
    def get_rules(self, contest):
        return RulesSerializer(contest).data


class ContestDetailSerializer(ContestSerializer):
    progress = serializers.SerializerMethodField()

    class Meta(ContestSerializer.Meta):
        fields = [*ContestSerializer.Meta.fields, "progress"]
        read_only_fields = fields

    @extend_schema_field(ProgressSerializer(many=True))
    def get_progress(self, contest):
        return ProgressSerializer(selectors.category_progress(contest), many=True).data


class ContestWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    slug = serializers.SlugField(max_length=60)
    description = serializers.CharField(required=False, allow_blank=True)
    prizes = serializers.CharField(required=False, allow_blank=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    time_zone = serializers.CharField(max_length=64, required=False)
    categories = serializers.SlugRelatedField(slug_field="key", many=True, queryset=Category.objects.all())
    base_points = IntegerField(min_value=0, required=False)
    category_multipliers = serializers.JSONField(required=False, help_text='e.g. {"closed_qa": "1.5"}')
    rating_bonus = IntegerField(min_value=0, required=False)
    open_instruction_bonus = IntegerField(min_value=0, required=False)
    review_points = IntegerField(min_value=0, required=False)
    daily_cap = IntegerField(min_value=1, required=False, allow_null=True)
    balance_bonus = serializers.BooleanField(required=False)
    balance_max_multiplier = serializers.DecimalField(max_digits=4, decimal_places=2, min_value=1, required=False)
    category_targets = serializers.JSONField(required=False, help_text='e.g. {"summarization": 500}')


class BoardRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    name = serializers.CharField(help_text="As the viewer may see it: a display name, or anonymous.")
    points = serializers.IntegerField()
    gap = serializers.IntegerField(allow_null=True, help_text="Points behind the next place (null for the first).")
    reached_at = serializers.DateTimeField(allow_null=True)
    is_you = serializers.BooleanField()
    team = serializers.CharField(allow_null=True, required=False)
    username = serializers.CharField(allow_null=True, required=False, help_text="Admins only.")


class BoardSerializer(serializers.Serializer):
    contest = serializers.CharField(allow_null=True)
    scope = serializers.CharField()
    window = serializers.CharField()
    category = serializers.CharField(allow_null=True)
    since = serializers.DateTimeField(allow_null=True, help_text="Start of the window, if any.")
    rows = BoardRowSerializer(many=True)
    me = BoardRowSerializer(allow_null=True, help_text="Your own row, with your rank, even outside the top.")
    excluded = serializers.BooleanField(help_text="True when you are disqualified from this contest.")


def board_data(board):
    return BoardSerializer(
        {
            "contest": board.contest.slug if board.contest else None,
            "scope": board.query.scope,
            "window": board.query.window,
            "category": board.query.category.key if board.query.category else None,
            "since": board.since,
            "rows": board.rows,
            "me": board.me,
            "excluded": board.excluded,
        }
    ).data


BOARD_PARAMETERS = [
    OpenApiParameter("scope", OpenApiTypes.STR, enum=list(selectors.SCOPES), description="people (default) or teams."),
    OpenApiParameter("category", OpenApiTypes.STR, description="A category key: points of that category only."),
    OpenApiParameter(
        "window",
        OpenApiTypes.STR,
        enum=list(selectors.WINDOWS),
        description="contest (default, the whole contest), week or today, in the contest's time zone.",
    ),
    OpenApiParameter(
        "limit",
        OpenApiTypes.INT,
        description=f"Rows in the top, 1-{selectors.MAX_LIMIT} (default {selectors.DEFAULT_LIMIT}).",
    ),
]


@extend_schema_view(
    list=extend_schema(summary="Contests", responses=ContestSerializer(many=True)),
    retrieve=extend_schema(summary="One contest, with its progress per category", responses=ContestDetailSerializer),
)
class ContestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ContestSerializer
    permission_classes = [permissions.IsAuthenticated, IsAdminOrReadOnly]
    lookup_field = "slug"
    lookup_value_converter = "slug"
    filter_backends = []
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.contest_list()

    def get_object(self):
        return selectors.access_contest(slug=self.kwargs["slug"])

    def get_serializer_class(self):
        return ContestDetailSerializer if self.action == "retrieve" else ContestSerializer

    @extend_schema(
        summary="Create a contest (admins)", request=ContestWriteSerializer, responses={201: ContestDetailSerializer}
    )
    def create(self, request):
        payload = ContestWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        contest = contests.contest_create(**payload.validated_data)
        return Response(ContestDetailSerializer(contest).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a contest (admins)", request=ContestWriteSerializer, responses={200: ContestDetailSerializer}
    )
    def partial_update(self, request, slug=None):
        contest = self.get_object()
        payload = ContestWriteSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        with transaction.atomic():
            contest = contests.contest_update(contest=contest, **payload.validated_data)
        return Response(ContestDetailSerializer(selectors.access_contest(slug=contest.slug)).data)

    @extend_schema(
        summary="A contest's leaderboard, with your own rank", parameters=BOARD_PARAMETERS, responses=BoardSerializer
    )
    @action(detail=True, methods=["get"], permission_classes=[permissions.IsAuthenticated])
    def leaderboard(self, request, slug=None):
        query = selectors.parse_board_query(request.query_params)
        contest = selectors.access_contest(slug=slug, with_categories=False)
        return Response(board_data(selectors.leaderboard(contest=contest, query=query, viewer=request.user)))


class AllTimeLeaderboardView(GenericAPIView):
    """The all-time board over every contest, with your own rank."""

    pagination_class = None
    filter_backends = []
    serializer_class = BoardSerializer

    @extend_schema(
        summary="The all-time leaderboard, with your own rank", parameters=BOARD_PARAMETERS, responses=BoardSerializer
    )
    def get(self, request):
        query = selectors.parse_board_query(request.query_params)
        return Response(board_data(selectors.leaderboard(contest=None, query=query, viewer=request.user)))


class PointEntrySerializer(serializers.ModelSerializer):
    contest = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    category = serializers.SlugRelatedField(slug_field="key", read_only=True, allow_null=True)
    demonstration = serializers.SerializerMethodField()
    reason = serializers.CharField(help_text="One of: " + ", ".join(Reason.values) + ".")
    why = serializers.SerializerMethodField(help_text="The explanation, as sentences.")

    class Meta:
        model = PointEntry
        fields = [
            "id",
            "created_at",
            "contest",
            "reason",
            "points",
            "category",
            "demonstration",
            "day",
            "explanation",
            "why",
        ]
        read_only_fields = fields

    def get_demonstration(self, entry) -> str | None:
        return str(entry.demonstration.public_id) if entry.demonstration_id else None

    def get_why(self, entry) -> list[str]:
        return describe(entry.explanation)


@extend_schema(
    summary="Your points: every ledger entry, newest first, with how it was computed",
    parameters=[OpenApiParameter("contest", OpenApiTypes.STR, description="Only this contest (slug).")],
)
class MyPointsView(ListAPIView):
    serializer_class = PointEntrySerializer
    filter_backends = []

    def get_queryset(self):
        contest = None
        slug = self.request.query_params.get("contest")
        if slug:
            contest = Contest.objects.filter(slug=slug).first()
            if contest is None:
                raise serializers.ValidationError({"contest": [f"No contest with the slug {slug[:60]!r}."]})
        return selectors.points_history(user=self.request.user, contest=contest)
