"""Celery tasks of the review app: they take ids, load rows, and call a service."""

from celery import shared_task

from annotations.models import Notification

from .emails import notification_send_email


# The name it had when it lived in annotations, so that messages already queued still run.
@shared_task(
    name="annotations.tasks.send_notification_email",
    ignore_result=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_notification_email(notification_id):
    notification = Notification.objects.select_related("recipient", "demonstration").filter(pk=notification_id).first()
    if notification is None:
        return
    notification_send_email(notification=notification)
