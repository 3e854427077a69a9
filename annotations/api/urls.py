from django.urls import path
from rest_framework.routers import SimpleRouter

from open_instructions.api import OpenInstructionViewSet
from review import api as review_api

from .views import CategoryViewSet, DemonstrationViewSet

router = SimpleRouter(use_regex_path=False)
router.register("categories", CategoryViewSet, basename="category")
router.register("demonstrations", DemonstrationViewSet, basename="demonstration")
router.register("open-instructions", OpenInstructionViewSet, basename="open-instruction")

urlpatterns = [
    *router.urls,
    path("review/next/", review_api.ReviewNextView.as_view(), name="review-next"),
    path("review/agreement/", review_api.AgreementView.as_view(), name="review-agreement"),
    path("review/<uuid:id>/skip/", review_api.ReviewSkipView.as_view(), name="review-skip"),
    path("demonstrations/<uuid:id>/review/", review_api.ReviewDecisionView.as_view(), name="demonstration-review"),
    path("demonstrations/<uuid:id>/reopen/", review_api.ReopenView.as_view(), name="demonstration-reopen"),
    path(
        "demonstrations/<uuid:id>/reviews/", review_api.DemonstrationReviewsView.as_view(), name="demonstration-reviews"
    ),
    path("notifications/", review_api.NotificationListView.as_view(), name="notification-list"),
    path("notifications/read/", review_api.NotificationReadView.as_view(), name="notification-read"),
]
