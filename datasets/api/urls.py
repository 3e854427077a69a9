from django.urls import path

from .views import ReleaseDetailView, ReleaseDownloadView, ReleaseListCreateView

urlpatterns = [
    path("", ReleaseListCreateView.as_view(), name="export-list"),
    path("<uuid:id>/", ReleaseDetailView.as_view(), name="export-detail"),
    path("<uuid:id>/download/<str:file>", ReleaseDownloadView.as_view(), name="export-download"),
]
