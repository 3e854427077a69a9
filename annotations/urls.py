from django.urls import path

from . import autosave, views

# The page of one demonstration (demonstration-detail) is in dashboards: it gathers review and suggestions.
urlpatterns = [
    path("", views.home, name="home"),
    path("categories/", views.category_list, name="category-list"),
    path("categories/<slug:key>/", views.category_detail, name="category-detail"),
    path("demonstrations/", views.demonstration_list, name="demonstration-list"),
    path("demonstrations/new/", views.demonstration_create, name="demonstration-create"),
    path("demonstrations/autosave/", autosave.demonstration_autosave, name="demonstration-autosave"),
    path("demonstrations/autosave/current/", autosave.demonstration_current, name="demonstration-current"),
    path("demonstrations/autosave/checks/", autosave.demonstration_checks, name="demonstration-checks"),
    path("demonstrations/<uuid:public_id>/edit/", views.demonstration_edit, name="demonstration-edit"),
    path("demonstrations/<uuid:public_id>/submit/", views.demonstration_submit, name="demonstration-submit"),
    path("demonstrations/<uuid:public_id>/delete/", views.demonstration_delete, name="demonstration-delete"),
]
