from django.apps import AppConfig


class ReviewConfig(AppConfig):
    """The review queue, claims, decisions and notifications (its models live in annotations)."""

    name = "review"
    verbose_name = "Review"
