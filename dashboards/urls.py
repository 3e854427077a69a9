from django.urls import path

from . import views

urlpatterns = [
    path("dashboard/", views.admin_dashboard, name="dashboard"),
    path("dashboard/data/<slug:chart_id>/", views.admin_chart_data, name="dashboard-data"),
    path("me/dashboard/", views.personal_dashboard, name="my-dashboard"),
    path("me/dashboard/data/<slug:chart_id>/", views.personal_chart_data, name="my-dashboard-data"),
    path("demonstrations/<uuid:public_id>/", views.demonstration_detail, name="demonstration-detail"),
]
