from django.urls import path

from . import views
from .webhooks import views as webhook_views

app_name = "datasets"

urlpatterns = [
    path("", views.release_list, name="release-list"),
    path("new/", views.release_create, name="release-create"),
    path("<uuid:public_id>/", views.release_detail, name="release-detail"),
    path("<uuid:public_id>/status/", views.release_status, name="release-status"),
    path("<uuid:public_id>/retry/", views.release_retry, name="release-retry"),
    path("<uuid:public_id>/files/<str:name>", views.release_download, name="release-download"),
    path("webhooks/", webhook_views.webhook_list, name="webhook-list"),
    path("webhooks/<uuid:public_id>/", webhook_views.webhook_detail, name="webhook-detail"),
    path("webhooks/<uuid:public_id>/test/", webhook_views.webhook_test, name="webhook-test"),
    path("webhooks/<uuid:public_id>/stop/", webhook_views.webhook_deactivate, name="webhook-deactivate"),
    path("webhooks/deliveries/<uuid:public_id>/redeliver/", webhook_views.webhook_redeliver, name="webhook-redeliver"),
    path("imports/", views.import_list, name="import-list"),
    path("imports/<uuid:public_id>/", views.import_detail, name="import-detail"),
    path("imports/<uuid:public_id>/confirm/", views.import_confirm, name="import-confirm"),
    path("imports/<uuid:public_id>/status/", views.import_status, name="import-status"),
]
