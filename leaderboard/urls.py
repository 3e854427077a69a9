from django.urls import path

from . import views

urlpatterns = [
    path("contests/", views.contest_list, name="contest-list"),
    path("contests/new/", views.contest_form, name="contest-create"),
    path("contests/<slug:slug>/", views.contest_detail, name="contest-detail"),
    path("contests/<slug:slug>/edit/", views.contest_form, name="contest-edit"),
    path("contests/<slug:slug>/end/", views.contest_end, name="contest-end"),
    path("contests/<slug:slug>/leaderboard/", views.contest_leaderboard, name="contest-leaderboard"),
    path("leaderboard/", views.alltime_leaderboard, name="leaderboard"),
    path("me/points/", views.my_points, name="my-points"),
    path("me/leaderboard-settings/", views.board_settings, name="board-settings"),
]
