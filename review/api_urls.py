from django.urls import path

from . import api

urlpatterns = [
    path("review/next/", api.ReviewNextView.as_view(), name="review-next"),
    path("review/agreement/", api.AgreementView.as_view(), name="review-agreement"),
    path("review/<uuid:id>/skip/", api.ReviewSkipView.as_view(), name="review-skip"),
    path("demonstrations/<uuid:id>/review/", api.ReviewDecisionView.as_view(), name="demonstration-review"),
    path("demonstrations/<uuid:id>/reopen/", api.ReopenView.as_view(), name="demonstration-reopen"),
    path("demonstrations/<uuid:id>/undo/", api.ReviewUndoView.as_view(), name="review-undo"),
    path("demonstrations/<uuid:id>/reviews/", api.DemonstrationReviewsView.as_view(), name="demonstration-reviews"),
    path("notifications/", api.NotificationListView.as_view(), name="notification-list"),
    path("notifications/read/", api.NotificationReadView.as_view(), name="notification-read"),
]
