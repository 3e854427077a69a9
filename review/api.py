"""Review API: claim the next submission, decide, skip, reopen; agreement figures; notifications."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAdmin, IsReviewer
from annotations import selectors as demonstration_selectors
from annotations.api.serializers import ConflictSerializer
from annotations.models import Category, Notification, QualityFlag, Review
from core.integers import IntegerField

from . import selectors, services
from .notifications import notifications_mark_read
from .undo import review_undo

# --- serializers --------------------------------------------------------------------------------


class FlagSerializer(serializers.ModelSerializer):
    other = serializers.SlugRelatedField(slug_field="public_id", read_only=True, help_text="The other record, if any.")
    code = serializers.SerializerMethodField(help_text="What was found; empty for a flag stored before codes.")
    params = serializers.JSONField(read_only=True, help_text="The code and its values, e.g. the similarity.")
    message = serializers.CharField(read_only=True, help_text="The flag in the request's language.")

    class Meta:
        model = QualityFlag
        fields = ["kind", "code", "params", "message", "other"]

    def get_code(self, flag) -> str:
        return flag.params.get("code", "") if isinstance(flag.params, dict) else ""


class ReviewItemSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    category = serializers.CharField(source="category.key")
    author = serializers.CharField(source="author.username")
    instruction_author = serializers.CharField(source="instruction_author.username", allow_null=True, default=None)
    instruction = serializers.CharField()
    context = serializers.CharField()
    source_url = serializers.CharField()
    response = serializers.CharField()
    status = serializers.CharField()
    version = serializers.IntegerField(help_text="Send it back with the decision.")
    submitted_at = serializers.DateTimeField()
    review_round = serializers.IntegerField()
    required_approvals = serializers.IntegerField(source="category.required_approvals")
    flags = FlagSerializer(many=True)
    guidelines = serializers.CharField(source="category.guidelines", help_text="Markdown.")
    claimed_until = serializers.SerializerMethodField()

    def get_claimed_until(self, obj) -> str | None:
        claim = getattr(obj, "claim", None)
        return claim.expires_at.isoformat() if claim is not None else None


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Review.Decision.choices)
    reason = serializers.ChoiceField(
        choices=Review.Reason.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required to reject or request changes; optional to approve.",
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    rating = IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=5)
    version = IntegerField(min_value=1, help_text="The version you reviewed; a stale one gets 409.")


class ReviewSerializer(serializers.ModelSerializer):
    demonstration = serializers.UUIDField(source="demonstration.public_id", read_only=True)
    reviewer = serializers.CharField(source="reviewer.username", read_only=True)
    status = serializers.CharField(
        source="demonstration.status", read_only=True, help_text="The demonstration's status after this decision."
    )
    version = serializers.IntegerField(source="demonstration.version", read_only=True)

    class Meta:
        model = Review
        fields = [
            "id",
            "demonstration",
            "reviewer",
            "decision",
            "reason",
            "comment",
            "rating",
            "round",
            "created_at",
            "status",
            "version",
        ]
        read_only_fields = fields


class DecisionReadSerializer(serializers.ModelSerializer):
    """A decision as its contributor sees it (reviewers stay anonymous)."""

    class Meta:
        model = Review
        fields = ["decision", "reason", "comment", "rating", "round", "created_at"]
        read_only_fields = fields


class ReopenSerializer(serializers.Serializer):
    version = IntegerField(min_value=1, required=False, help_text="If given, must be current.")
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class DemonstrationStateSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    status = serializers.CharField()
    version = serializers.IntegerField()


class AgreementSerializer(serializers.Serializer):
    items = serializers.IntegerField(help_text="Items with two independent decisions in one round.")
    agreed = serializers.IntegerField()
    percent = serializers.FloatField(allow_null=True)
    kappa = serializers.FloatField(allow_null=True, help_text="Cohen's kappa; null when undefined.")


class NotificationSerializer(serializers.ModelSerializer):
    demonstration = serializers.UUIDField(source="demonstration.public_id", read_only=True, allow_null=True)

    class Meta:
        model = Notification
        fields = ["id", "text", "demonstration", "created_at", "read_at"]
        read_only_fields = fields


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        help_text="Notification ids; all unread ones when left out.",
    )


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


# --- views --------------------------------------------------------------------------------------

QUEUE_PARAMETERS = [
    OpenApiParameter("category", OpenApiTypes.STR, description="Category key."),
    OpenApiParameter("flag", OpenApiTypes.STR, enum=QualityFlag.Kind.values, description="Only items with this flag."),
    OpenApiParameter("author", OpenApiTypes.STR, description="Only this contributor's (username)."),
    OpenApiParameter("contest", OpenApiTypes.STR, description="Only what this contest counts (contest slug)."),
]


class QueueFilterSerializer(serializers.Serializer):
    category = serializers.SlugRelatedField(slug_field="key", queryset=Category.objects.all(), required=False)
    flag = serializers.ChoiceField(choices=QualityFlag.Kind.choices, required=False)
    author = serializers.CharField(required=False, max_length=150)
    contest = serializers.CharField(required=False, max_length=60)

    def validate_contest(self, value):
        window = selectors.contest_window(value)
        if window is None:
            raise serializers.ValidationError(f"No contest has the slug {value!r}.")
        return window

    def validate_author(self, value):
        author_id = selectors.find_author(value)
        if author_id is None:
            raise serializers.ValidationError(f"No contributor is called {value!r}.")
        return author_id

    def to_filters(self):
        data = self.validated_data
        return selectors.QueueFilters(
            category_id=data["category"].pk if data.get("category") else None,
            flag=data.get("flag", ""),
            author_id=data.get("author"),
            contest=data.get("contest"),
        )


class ReviewNextView(APIView):
    permission_classes = [IsReviewer]

    @extend_schema(
        summary="Claim the next submission to review",
        description="Hands out the oldest submission nobody else holds and holds it for you for a few minutes. "
        "Calling again returns the same item while you hold it. 204 when nothing is waiting.",
        parameters=QUEUE_PARAMETERS,
        responses={200: ReviewItemSerializer, 204: OpenApiResponse(description="Nothing to review.")},
    )
    def get(self, request):
        filters = QueueFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        demonstration = services.review_claim_next(reviewer=request.user, filters=filters.to_filters())
        if demonstration is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(ReviewItemSerializer(selectors.review_item(demonstration.pk)).data)


class ReviewDecisionView(APIView):
    permission_classes = [IsReviewer]

    @extend_schema(
        summary="Approve, reject or request changes",
        request=DecisionSerializer,
        responses={
            201: ReviewSerializer,
            403: OpenApiResponse(description="Not a reviewer, or your own demonstration."),
            409: ConflictSerializer,
        },
    )
    def post(self, request, id):
        demonstration = selectors.access_review_item(user=request.user, public_id=id)
        payload = DecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        review = services.review_decide(
            decision=data["decision"],
            demonstration=demonstration,
            reviewer=request.user,
            expected_version=data["version"],
            reason=data["reason"],
            comment=data["comment"],
            rating=data["rating"],
        )
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)


class ReviewSkipView(APIView):
    permission_classes = [IsReviewer]

    @extend_schema(
        summary="Skip a submission",
        description="Releases your claim; the item is not offered to you again until it is resubmitted.",
        request=None,
        responses={204: OpenApiResponse(description="Skipped.")},
    )
    def post(self, request, id):
        demonstration = selectors.access_review_item(user=request.user, public_id=id)
        services.review_skip(demonstration=demonstration, reviewer=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReviewUndoView(APIView):
    permission_classes = [IsReviewer]

    @extend_schema(
        summary="Undo the decision you have just made on a demonstration",
        description="Within DOLLY_REVIEW_UNDO_SECONDS of deciding, and only if nothing happened to the "
        "demonstration since: it is back in review, held for you; points an approval earned are reversed.",
        request=None,
        responses={
            200: DemonstrationStateSerializer,
            403: OpenApiResponse(description="Not your decision."),
            409: ConflictSerializer,
        },
    )
    def post(self, request, id):
        review = selectors.access_own_decision(user=request.user, public_id=id)
        demonstration = review_undo(review=review, reviewer=request.user)
        return Response(DemonstrationStateSerializer(demonstration).data)


class ReopenView(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(
        summary="Reopen an approved demonstration (admins)",
        request=ReopenSerializer,
        responses={200: DemonstrationStateSerializer, 409: ConflictSerializer},
    )
    def post(self, request, id):
        demonstration = selectors.access_reopenable(user=request.user, public_id=id)
        payload = ReopenSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        reopened = services.review_reopen(
            demonstration=demonstration,
            actor=request.user,
            comment=payload.validated_data["comment"],
            expected_version=payload.validated_data.get("version"),
        )
        return Response(DemonstrationStateSerializer(reopened).data)


class DemonstrationReviewsView(ListAPIView):
    """Decisions on a demonstration, for whoever may see it; a round still in progress stays hidden."""

    serializer_class = DecisionReadSerializer
    filter_backends = []

    @extend_schema(summary="Review decisions on a demonstration, newest first")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Review.objects.none()
        demonstration = demonstration_selectors.access_demonstration(
            user=self.request.user,
            public_id=self.kwargs["id"],
        )
        return selectors.visible_reviews(demonstration)


class AgreementView(APIView):
    permission_classes = [IsReviewer]

    @extend_schema(
        summary="Agreement between reviewers on doubly reviewed items",
        parameters=[OpenApiParameter("category", OpenApiTypes.STR, description="Category key.")],
        responses={200: AgreementSerializer},
    )
    def get(self, request):
        key = request.query_params.get("category")
        category_id = None
        if key:
            category_id = Category.objects.filter(key=key).values_list("pk", flat=True).first()
            if category_id is None:
                return Response({"category": [f"Unknown category {key!r}."]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(AgreementSerializer(selectors.reviewer_agreement(category_id=category_id)).data)


class NotificationListView(ListAPIView):
    serializer_class = NotificationSerializer
    filter_backends = []

    @extend_schema(summary="Your notifications, newest first")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.notifications_for(self.request.user)


class NotificationReadView(APIView):
    @extend_schema(summary="Mark notifications as read", request=MarkReadSerializer, responses={200: MarkedSerializer})
    def post(self, request):
        payload = MarkReadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        marked = notifications_mark_read(user=request.user, ids=payload.validated_data.get("ids"))
        return Response({"marked": marked})
