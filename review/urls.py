from django.urls import path

from . import compare_views, views

urlpatterns = [
    path("review/", views.review_queue, name="review-queue"),
    path("review/stats/", views.review_stats, name="review-stats"),
    path("review/skips/clear/", views.review_skips_clear, name="review-skips-clear"),
    path("review/<uuid:public_id>/", views.review_open, name="review-open"),
    path("review/<uuid:public_id>/decide/", views.review_decide, name="review-decide"),
    path("review/<uuid:public_id>/skip/", views.review_skip, name="review-skip"),
    path("review/<uuid:public_id>/edit/", views.review_edit, name="review-edit"),
    path("review/<uuid:public_id>/reopen/", views.review_reopen, name="review-reopen"),
    path("review/<uuid:public_id>/undo/", views.review_undo_view, name="review-undo"),
    path("review/<uuid:public_id>/compare/", compare_views.review_compare, name="review-compare"),
    path(
        "review/<uuid:public_id>/compare/reject/",
        compare_views.review_reject_duplicate,
        name="review-reject-duplicate",
    ),
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/read/", views.notification_read, name="notification-read"),
]
