"""Celery tasks of the leaderboard: they take ids and call a service."""

from celery import shared_task

from .models import Contest
from .services.late_approvals import contest_count_earlier_approvals


@shared_task(ignore_result=True, time_limit=30 * 60, soft_time_limit=29 * 60)
def count_earlier_approvals(contest_id):
    """Award a new (or changed) contest's points for the approvals it counts that were made before."""
    contest = Contest.objects.filter(pk=contest_id).first()
    if contest is not None:
        contest_count_earlier_approvals(contest=contest)
