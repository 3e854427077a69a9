"""The notification e-mail, sent by ``tasks.send_notification_email`` once the notification is stored."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from annotations.models import Notification

logger = logging.getLogger(__name__)


EMAIL_ATTEMPTS = Notification.EMAIL_ATTEMPTS
SUBJECT_CHARS = 60


def email_subject(text):
    """One line, whatever the text holds: a newline in a header is refused by the mail library."""
    line = " ".join(text.split())
    if len(line) > SUBJECT_CHARS:
        line = line[: SUBJECT_CHARS - 1].rstrip() + "…"
    return _("[Dolly Collect] %(text)s") % {"text": line}


def notification_send_email(*, notification):
    """E-mail ``notification`` to its recipient at most once.  Returns whether a message was sent.

    Never raises: a notification is written inside a review decision, and its e-mail must never
    undo or fail the decision.  ``emailed_at`` is claimed before sending so a retried task does
    not send twice; a failed send gives the claim back, counts the attempt and keeps the reason
    (``email_attempts``, ``email_error``), and is logged.  After ``EMAIL_ATTEMPTS`` failures no
    further attempt is made (``send_pending_notifications`` skips it).
    """
    email = notification.recipient.email
    if not email or notification.email_attempts >= EMAIL_ATTEMPTS:
        return False
    claimed = Notification.objects.filter(
        pk=notification.pk, emailed_at__isnull=True, email_attempts__lt=EMAIL_ATTEMPTS
    ).update(emailed_at=timezone.now())
    if not claimed:
        return False
    try:
        body = notification.text
        if notification.demonstration_id:
            path = reverse("demonstration-detail", kwargs={"public_id": notification.demonstration.public_id})
            body += "\n\n" + _("Open it: %(url)s") % {"url": settings.DOLLY_SITE_URL + path}
        send_mail(
            subject=email_subject(notification.text),
            message=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[email],
        )
    except Exception as error:  # noqa: BLE001 - any failure of the mail system is recorded, never raised
        reason = f"{type(error).__name__}: {error}"[:300]
        Notification.objects.filter(pk=notification.pk).update(
            emailed_at=None, email_attempts=F("email_attempts") + 1, email_error=reason
        )
        notification.refresh_from_db(fields=["emailed_at", "email_attempts", "email_error"])
        logger.warning(
            "notification %s: e-mail attempt %s of %s failed: %s",
            notification.pk,
            notification.email_attempts,
            EMAIL_ATTEMPTS,
            reason,
        )
        return False
    return True
