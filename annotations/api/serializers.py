"""Request and response shapes.  Text rules are not repeated here: the service validates."""

from rest_framework import serializers

from core.integers import IntegerField

from ..models import Category, Demonstration


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = [
            "key",
            "name",
            "summary",
            "needs_context",
            "guidelines",
            "example_instruction",
            "example_context",
            "example_response",
        ]


def _text_field(**kwargs):
    return serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, **kwargs)


class DemonstrationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    category = serializers.SlugRelatedField(slug_field="key", read_only=True)
    source_url = serializers.CharField(read_only=True, help_text="An http(s) address, or empty.")

    class Meta:
        model = Demonstration
        fields = [
            "id",
            "category",
            "instruction",
            "context",
            "source_url",
            "response",
            "status",
            "origin",
            "version",
            "created_at",
            "updated_at",
            "submitted_at",
        ]
        read_only_fields = fields


class DemonstrationWriteSerializer(serializers.Serializer):
    category = serializers.SlugRelatedField(slug_field="key", queryset=Category.objects.filter(is_active=True))
    instruction = _text_field()
    context = _text_field()
    source_url = _text_field()
    response = _text_field()
    submit = serializers.BooleanField(
        required=False,
        default=False,
        write_only=True,
        help_text="Submit for review at once instead of saving a draft.",
    )


class DemonstrationPatchSerializer(serializers.Serializer):
    """Send the ``version`` you read and only the fields you change."""

    # Never partial, so ``version`` stays required, in the view and in the OpenAPI schema alike.
    partial = property(lambda self: False, lambda self, value: None)

    version = IntegerField(
        min_value=1,
        help_text="The version you read; a stale one is refused with 409.",
    )
    category = serializers.SlugRelatedField(
        slug_field="key",
        queryset=Category.objects.filter(is_active=True),
        required=False,
    )
    instruction = _text_field()
    context = _text_field()
    source_url = _text_field()
    response = _text_field()


class SubmitSerializer(serializers.Serializer):
    version = IntegerField(min_value=1, required=False, help_text="If given, must be current.")


class DeleteSerializer(serializers.Serializer):
    """The query of ``DELETE``: ``?version=`` as read."""

    version = IntegerField(min_value=1, help_text="The version you read; a draft changed since is kept (409).")


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    current_version = serializers.IntegerField(required=False)
