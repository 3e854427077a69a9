from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Release
from ..options import ExportOptionsSerializer


class ReleaseCreateSerializer(ExportOptionsSerializer):
    """A new release: its name and tag, then the export options (``ExportOptionsSerializer``); all optional."""

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
    # A plain string in answers: the slug pattern the model checks on input does not hold for "" (no tag).
    tag = serializers.CharField(read_only=True, help_text="Empty when the release has no tag.")

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
