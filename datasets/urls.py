from django.urls import path

from . import views

app_name = "datasets"

urlpatterns = [
    path("", views.release_list, name="release-list"),
    path("new/", views.release_create, name="release-create"),
    path("<uuid:public_id>/", views.release_detail, name="release-detail"),
    path("<uuid:public_id>/status/", views.release_status, name="release-status"),
    path("<uuid:public_id>/files/<str:name>", views.release_download, name="release-download"),
    path("imports/", views.import_list, name="import-list"),
    path("imports/<uuid:public_id>/", views.import_detail, name="import-detail"),
    path("imports/<uuid:public_id>/confirm/", views.import_confirm, name="import-confirm"),
    path("imports/<uuid:public_id>/status/", views.import_status, name="import-status"),
]
