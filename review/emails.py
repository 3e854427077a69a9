"""The notification e-mail, sent by ``tasks.send_notification_email`` once the notification is stored."""

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from annotations.models import Notification


def notification_send_email(*, notification):
    """E-mail ``notification`` to its recipient at most once.  Returns whether a message was sent.

    ``emailed_at`` is claimed before sending so a retried task does not send twice; a
    failed send gives the claim back and re-raises, for the task to retry.
    """
    email = notification.recipient.email
    if not email:
        return False
    claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
        emailed_at=timezone.now(),
    )
    if not claimed:
        return False
    body = notification.text
    if notification.demonstration_id:
        path = reverse("demonstration-detail", kwargs={"public_id": notification.demonstration.public_id})
        body += "\n\n" + _("Open it: %(url)s") % {"url": settings.DOLLY_SITE_URL + path}
    try:
        send_mail(
            subject=_("[Dolly Collect] %(text)s") % {"text": notification.text[:60]},
            message=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[email],
        )
    except Exception:
        Notification.objects.filter(pk=notification.pk).update(emailed_at=None)
        raise
    return True
