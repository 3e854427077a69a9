from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotations.models import Status

from ..models import Release
from ..options import DEFAULT_SEED, FORMATS


class ReleaseCreateSerializer(serializers.Serializer):
    """The filters and formats of a new release; every field is optional."""

    name = serializers.CharField(
        max_length=60,
        required=False,
        allow_blank=True,
        default="",
        help_text="Releases of one name are numbered v1, v2, ...; default: DOLLY_RELEASE_NAME.",
    )
    tag = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        default="",
        help_text="Optional, e.g. production or nightly (GET /api/v1/exports/latest/?tag=production).",
    )

    formats = serializers.ListField(
        child=serializers.ChoiceField(choices=FORMATS), required=False, default=["jsonl"], allow_empty=False
    )
    statuses = serializers.ListField(
        child=serializers.ChoiceField(choices=Status.choices),
        required=False,
        default=[Status.APPROVED.value],
        allow_empty=False,
    )
    categories = serializers.ListField(
        child=serializers.SlugField(max_length=40),
        required=False,
        default=list,
        help_text="Category keys; empty: every category.",
    )
    contest = serializers.SlugField(
        max_length=60,
        required=False,
        allow_blank=True,
        default="",
        help_text="Only records that count for this contest (its slug).",
    )
    created_from = serializers.DateField(required=False, allow_null=True, default=None)
    created_to = serializers.DateField(required=False, allow_null=True, default=None)
    exclude_flagged = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Leave out records flagged for personal data, AI phrasing, exact or near duplication.",
    )
    dedupe = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Leave out exact duplicates (ignoring case and spacing) and near duplicates (instruction "
        "trigram similarity to an earlier record's at least DOLLY_NEAR_DUPLICATE_THRESHOLD; with a "
        "reference text, the same reference text); the earliest is kept. The threshold is recorded "
        "in the release's filters.",
    )
    strip_citations = serializers.BooleanField(
        required=False, default=False, help_text="Remove citation markers such as [12] from context."
    )
    test_fraction = serializers.FloatField(
        required=False,
        allow_null=True,
        default=None,
        min_value=0.0,
        max_value=1.0,
        help_text="Share of each category put in a test file.",
    )
    seed = serializers.IntegerField(required=False, default=DEFAULT_SEED, min_value=0, max_value=2**32 - 1)
    with_metadata = serializers.BooleanField(required=False, default=False)
    ensure_ascii = serializers.BooleanField(
        required=False, default=True, help_text="Escape non-ASCII characters as json.dumps does by default."
    )


class ReleaseFileSerializer(serializers.Serializer):
    name = serializers.CharField()
    role = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    records = serializers.IntegerField(required=False)
    url = serializers.CharField()


class ReleaseArchiveSerializer(serializers.Serializer):
    url = serializers.CharField()
    size = serializers.IntegerField(allow_null=True, help_text="null until measured, just after the release is done")
    sha256 = serializers.CharField(allow_blank=True)


class ReleaseSerializer(serializers.ModelSerializer):
    """A release.  Without a request in the context (a webhook), URLs start with DOLLY_SITE_URL."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    label = serializers.CharField(read_only=True, help_text="v1, v2, ...")
    archive = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    files = serializers.SerializerMethodField()
    previous_release = serializers.UUIDField(source="previous.public_id", read_only=True, allow_null=True)
    created_by = serializers.CharField(source="created_by.get_username", read_only=True, allow_null=True)

    class Meta:
        model = Release
        fields = [
            "id",
            "name",
            "version",
            "label",
            "tag",
            "status",
            "progress",
            "created_at",
            "created_by",
            "started_at",
            "finished_at",
            "filters",
            "formats",
            "record_count",
            "counts",
            "files",
            "archive",
            "error",
            "previous_release",
            "added_count",
            "removed_count",
        ]
        read_only_fields = fields

    def get_progress(self, release) -> int:
        from ..services import current_progress

        return current_progress(release)

    def absolute(self, path):
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else settings.DOLLY_SITE_URL + path

    def file_url(self, release, name):
        return self.absolute(reverse("api:export-download", kwargs={"id": release.public_id, "file": name}))

    @extend_schema_field(ReleaseFileSerializer(many=True))
    def get_files(self, release):
        return [{**entry, "url": self.file_url(release, entry["name"])} for entry in release.files]

    @extend_schema_field(ReleaseArchiveSerializer(allow_null=True))
    def get_archive(self, release):
        if release.status != Release.State.DONE:
            return None
        return {
            "url": self.absolute(reverse("api:export-archive", kwargs={"id": release.public_id})),
            "size": release.archive_size,
            "sha256": release.archive_sha256,
        }
