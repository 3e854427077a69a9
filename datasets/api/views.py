from django.http import Http404, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import authentication, generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import ApiKeyAuthentication, TokenAuthentication
from accounts.permissions import IsAdmin, is_admin, is_dataset_reader

from .. import archive, selectors, services
from ..downloads import ranged_response, release_file_response
from .serializers import ReleaseCreateSerializer, ReleaseSerializer

# The release views are the only ones that take a dataset reader's key.
RELEASE_AUTHENTICATION = [
    TokenAuthentication,
    authentication.SessionAuthentication,
    ApiKeyAuthentication,
]

_BINARY = {
    (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The whole file."),
    (206, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The range asked for."),
    416: OpenApiResponse(description="The range starts past the end of the file."),
}


class IsDollyAdmin(IsAdmin):
    message = "Only admins manage dataset releases."


class CanReadReleases(permissions.BasePermission):
    """Admins do everything; a dataset reader's key may only read (GET, HEAD, OPTIONS)."""

    message = "Only admins and dataset reader keys read dataset releases; only admins create them."

    def has_permission(self, request, view):
        if is_admin(request.user):
            return True
        return is_dataset_reader(request.user) and request.method in permissions.SAFE_METHODS


def _releases_for(user):
    return selectors.releases() if is_admin(user) else selectors.finished_releases()


def _release_for(request, id):
    return selectors.access_release(public_id=id, finished_only=not is_admin(request.user))


class ReleaseListCreateView(generics.GenericAPIView):
    authentication_classes = RELEASE_AUTHENTICATION
    permission_classes = [permissions.IsAuthenticated, CanReadReleases]
    serializer_class = ReleaseSerializer
    filter_backends = []

    def get_queryset(self):
        return _releases_for(self.request.user)

    @extend_schema(
        summary="Dataset releases, newest first (dataset readers: finished ones only)",
        responses=ReleaseSerializer(many=True),
    )
    def get(self, request):
        services.jobs_fail_stale()
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ReleaseSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(
        summary="Create a release (built in the background)",
        request=ReleaseCreateSerializer,
        responses={202: ReleaseSerializer},
    )
    def post(self, request):
        payload = ReleaseCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        release = services.release_create(
            created_by=request.user,
            options=payload.options(),
            name=payload.validated_data["name"],
            tag=payload.validated_data["tag"],
        )
        return Response(ReleaseSerializer(release, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)


class ReleaseDetailView(APIView):
    authentication_classes = RELEASE_AUTHENTICATION
    permission_classes = [permissions.IsAuthenticated, CanReadReleases]

    @extend_schema(summary="One release: status, progress, counts, files and checksums", responses=ReleaseSerializer)
    def get(self, request, id):
        services.jobs_fail_stale()  # a build whose worker was lost shows as failed, not as running forever
        return Response(ReleaseSerializer(_release_for(request, id), context={"request": request}).data)


class ReleaseRetryView(APIView):
    permission_classes = [permissions.IsAuthenticated, IsDollyAdmin]

    @extend_schema(
        summary="Build a failed release again (same filters; 202, or 400 when it has not failed)",
        request=None,
        responses={202: ReleaseSerializer},
    )
    def post(self, request, id):
        release = services.release_retry(release=selectors.access_release(public_id=id))
        return Response(ReleaseSerializer(release, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)


class LatestReleaseView(APIView):
    authentication_classes = RELEASE_AUTHENTICATION
    permission_classes = [permissions.IsAuthenticated, CanReadReleases]

    @extend_schema(
        summary="The newest finished release (optionally of one tag or name)",
        parameters=[
            OpenApiParameter("tag", str, description="e.g. production or nightly"),
            OpenApiParameter("name", str, description="the release name; default: any"),
        ],
        responses={200: ReleaseSerializer, 404: OpenApiResponse(description="No finished release matches.")},
    )
    def get(self, request):
        release = selectors.latest_release(tag=request.query_params.get("tag"), name=request.query_params.get("name"))
        if release is None:
            raise Http404("No finished release matches.")
        return Response(ReleaseSerializer(release, context={"request": request}).data)


class ReleaseDownloadView(APIView):
    authentication_classes = RELEASE_AUTHENTICATION
    permission_classes = [permissions.IsAuthenticated, CanReadReleases]

    @extend_schema(
        summary="Download one file of a finished release (ETag and Range supported)",
        description="The file's SHA-256 is in the X-Checksum-SHA256 header and in the manifest.",
        responses=_BINARY,
    )
    def get(self, request, id, file):
        return release_file_response(request, release=_release_for(request, id), name=file)


class ReleaseArchiveView(APIView):
    authentication_classes = RELEASE_AUTHENTICATION
    permission_classes = [permissions.IsAuthenticated, CanReadReleases]

    @extend_schema(
        summary="Every file of a finished release in one archive.tar.gz, streamed (ETag and Range supported)",
        description="Its size and SHA-256 are the release's `archive` entry.",
        responses=_BINARY,
    )
    def get(self, request, id):
        release = _release_for(request, id)
        if release.status != release.State.DONE:
            raise Http404("The release is not finished.")
        filename = f"{archive.folder_name(release)}.tar.gz"
        if release.archive_size is None:  # not measured yet: the whole archive, without a length
            response = StreamingHttpResponse(archive.archive_chunks(release), content_type="application/gzip")
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        return ranged_response(
            request,
            size=release.archive_size,
            etag=f'"{release.archive_sha256}"',
            filename=filename,
            content_type="application/gzip",
            stream_range=lambda start, end: archive.archive_range(release, start, end),
            extra_headers={"X-Checksum-SHA256": release.archive_sha256},
        )
