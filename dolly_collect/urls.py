from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.api import TokenView

api_v1 = [
    path("auth/token/", TokenView.as_view(), name="api-token-obtain"),
    path("", include("annotations.api.urls")),
    path("", include("open_instructions.api_urls")),
    path("", include("review.api_urls")),
    path("exports/", include("datasets.api.urls")),
    path("webhooks/", include("datasets.webhooks.api")),
    path("", include("leaderboard.api_urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("datasets/", include("datasets.urls")),
    path("", include("review.urls")),
    path("", include("open_instructions.urls")),
    path("", include("leaderboard.urls")),
    path("", include("dashboards.urls")),
    path("", include("annotations.urls")),
]

handler400 = "dolly_collect.errors.bad_request"
handler500 = "dolly_collect.errors.server_error"
