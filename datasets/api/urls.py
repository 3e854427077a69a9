from django.urls import path

from .views import (
    LatestReleaseView,
    ReleaseArchiveView,
    ReleaseDetailView,
    ReleaseDownloadView,
    ReleaseListCreateView,
    ReleaseRetryView,
)

urlpatterns = [
    path("", ReleaseListCreateView.as_view(), name="export-list"),
    path("latest/", LatestReleaseView.as_view(), name="export-latest"),
    path("<uuid:id>/", ReleaseDetailView.as_view(), name="export-detail"),
    path("<uuid:id>/retry/", ReleaseRetryView.as_view(), name="export-retry"),
    path("<uuid:id>/download/archive.tar.gz", ReleaseArchiveView.as_view(), name="export-archive"),
    path("<uuid:id>/download/<str:file>", ReleaseDownloadView.as_view(), name="export-download"),
]
