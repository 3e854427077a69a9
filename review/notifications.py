"""Telling contributors what happened to their demonstrations: in the site, and by e-mail."""

from django.utils import timezone

from annotations.models import Notification
from core.tasks import enqueue

# ``tasks.send_notification_email``, queued by name: the tasks module (and Celery) is not imported here.
SEND_EMAIL_TASK = "annotations.tasks.send_notification_email"


def notify(*, recipient, demonstration, text):
    """Store a notification and e-mail it once the caller's transaction commits."""
    notification = Notification.objects.create(recipient=recipient, demonstration=demonstration, text=text[:500])
    enqueue(SEND_EMAIL_TASK, notification.pk)
    return notification


def notifications_mark_read(*, user, ids=None):
    """Mark ``user``'s unread notifications (all, or those in ``ids``) as read; returns how many."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
