"""Celery tasks of the review app: they take ids, load rows, and call a service."""

from celery import shared_task

from annotations.models import Notification

from .emails import notification_send_email


# The name it had when it lived in annotations, so that messages already queued still run.
@shared_task(name="annotations.tasks.send_notification_email", bind=True, ignore_result=True, max_retries=None)
def send_notification_email(self, notification_id):
    """Send one notification's e-mail; a failed attempt is tried again later, a bounded number of times.

    In a worker the retry waits 1, 2, 4, 8 minutes; run in-process (no queue), the one attempt is
    all, and ``send_pending_notifications`` tries again.
    """
    notification = Notification.objects.select_related("recipient", "demonstration").filter(pk=notification_id).first()
    if notification is None or notification_send_email(notification=notification):
        return
    if 0 < notification.email_attempts < Notification.EMAIL_ATTEMPTS and not self.request.is_eager:
        raise self.retry(countdown=60 * 2 ** (notification.email_attempts - 1))
