from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import is_admin

from .. import selectors, services
from ..downloads import release_file_response
from ..options import ExportOptions
from .serializers import ReleaseCreateSerializer, ReleaseSerializer


class IsDollyAdmin(permissions.BasePermission):
    message = "Only admins manage dataset releases."

    def has_permission(self, request, view):
        return is_admin(request.user)


class ReleaseListCreateView(generics.GenericAPIView):
    permission_classes = [permissions.IsAuthenticated, IsDollyAdmin]
    serializer_class = ReleaseSerializer
    filter_backends = []

    def get_queryset(self):
        return selectors.releases()

    @extend_schema(summary="Dataset releases, newest first", responses=ReleaseSerializer(many=True))
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ReleaseSerializer(page, many=True).data)

    @extend_schema(
        summary="Create a release (built in the background)",
        request=ReleaseCreateSerializer,
        responses={202: ReleaseSerializer},
    )
    def post(self, request):
        payload = ReleaseCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        formats = data.pop("formats")
        options = ExportOptions.from_dict(data, formats=formats)
        release = services.release_create(created_by=request.user, options=options)
        return Response(ReleaseSerializer(release).data, status=status.HTTP_202_ACCEPTED)


class ReleaseDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated, IsDollyAdmin]

    @extend_schema(summary="One release: status, progress, counts, files and checksums", responses=ReleaseSerializer)
    def get(self, request, id):
        return Response(ReleaseSerializer(selectors.access_release(public_id=id)).data)


class ReleaseDownloadView(APIView):
    permission_classes = [permissions.IsAuthenticated, IsDollyAdmin]

    @extend_schema(
        summary="Download one file of a finished release",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The file; its SHA-256 is in the X-Checksum-SHA256 header."
            )
        },
    )
    def get(self, request, id, file):
        return release_file_response(release=selectors.access_release(public_id=id), name=file)
