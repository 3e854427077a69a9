from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import AllTimeLeaderboardView, ContestViewSet, MyPointsView

router = SimpleRouter(use_regex_path=False)
router.register("contests", ContestViewSet, basename="contest")

urlpatterns = [
    *router.urls,
    path("leaderboard/", AllTimeLeaderboardView.as_view(), name="leaderboard-alltime"),
    path("me/points/", MyPointsView.as_view(), name="my-points"),
]
