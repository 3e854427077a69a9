"""Celery tasks of the annotations app: they take ids, load rows, and call a service."""

from celery import shared_task

from .models import Notification


@shared_task(ignore_result=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notification_email(notification_id):
    from review.notifications import notification_send_email

    notification = Notification.objects.select_related("recipient", "demonstration").filter(pk=notification_id).first()
    if notification is None:
        return
    notification_send_email(notification=notification)
