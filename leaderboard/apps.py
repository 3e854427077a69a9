from django.apps import AppConfig


class LeaderboardConfig(AppConfig):
    name = "leaderboard"
    verbose_name = "Contests and leaderboards"

    def ready(self):
        """Connect points and the submission limit to the writing and review apps' hooks."""
        from annotations import hooks as annotation_hooks
        from review import hooks as review_hooks

        from . import review_queue, services

        annotation_hooks.before_submit.connect(services.check_submission_rate)
        review_hooks.approval_granted.connect(services.on_demonstration_approved)
        review_hooks.approval_reversed.connect(
            lambda demonstration, *, actor: services.on_approval_reversed(demonstration)
        )
        review_hooks.review_recorded.connect(services.on_review_recorded)
        review_hooks.queue_contest_choices.provide(review_queue.queue_contest_choices)
        review_hooks.queue_contest_filter.provide(review_queue.queue_contest_filter)
