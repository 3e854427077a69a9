"""A review decision never fails because of its e-mail, and one e-mail never holds up the others.

The mail failures are real: a recipient address the mail library refuses, and an SMTP server
that is not there (a closed port on 127.0.0.1).
"""

import socket

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from annotations.models import Notification, Review, Status
from review.emails import email_subject

from .conftest import submit

pytestmark = pytest.mark.django_db

FIRST_LINE_WITH_A_NEWLINE = "Why is the sky blue?\nAnswer in one sentence.\r\nThen stop."


def decide(api, demonstration, decision="approve"):
    return api.post(
        reverse("api:demonstration-review", kwargs={"id": demonstration.public_id}),
        {
            "decision": decision,
            "version": demonstration.version,
            **({"reason": "off_topic"} if decision != "approve" else {}),
        },
        format="json",
    )


@pytest.fixture
def closed_port():
    """A port on 127.0.0.1 where nothing listens: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return port


def test_a_newline_in_the_instruction_never_fails_the_decision_and_the_subject_is_one_line(
    api_for, user, reviewer, django_capture_on_commit_callbacks
):
    demonstration = submit(user, instruction=FIRST_LINE_WITH_A_NEWLINE)
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(api_for(reviewer), demonstration)
    assert response.status_code == 201, response.content
    assert Review.objects.get().decision == "approve"
    demonstration.refresh_from_db()
    assert demonstration.status == Status.APPROVED
    assert len(mail.outbox) == 1
    subject = mail.outbox[0].subject
    assert "\n" not in subject and "\r" not in subject
    assert subject.startswith("[Dolly Collect] Your demonstration “Why is the sky blue? Answer in")
    assert Notification.objects.get().emailed_at is not None


@pytest.mark.parametrize("text", ["a\nb", "a\r\nb", "a\u2028b", "a\x0bb", "  a   \n\n  b  "])
def test_subjects_are_single_line_and_short(text):
    assert email_subject(text) == "[Dolly Collect] a b"
    assert len(email_subject("word " * 100)) <= len("[Dolly Collect] ") + 60


def test_when_the_mail_server_is_down_the_decision_stands_and_the_failure_is_kept(
    api_for, user, reviewer, settings, closed_port, django_capture_on_commit_callbacks, caplog
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port, 5
    demonstration = submit(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(api_for(reviewer), demonstration, "reject")
    assert response.status_code == 201, response.content
    demonstration.refresh_from_db()
    assert demonstration.status == Status.REJECTED
    notification = Notification.objects.get()
    assert notification.emailed_at is None
    assert notification.email_attempts == 1
    assert "Connection" in notification.email_error
    assert f"notification {notification.pk}: e-mail attempt 1 of 5 failed" in caplog.text

    # The periodic command tries again, a bounded number of times, then leaves it alone.
    for attempt in range(2, Notification.EMAIL_ATTEMPTS + 1):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_pending_notifications", "--older-than", "0")
        notification.refresh_from_db()
        assert notification.email_attempts == attempt
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command("send_pending_notifications", "--older-than", "0")
    assert callbacks == []
    notification.refresh_from_db()
    assert notification.email_attempts == Notification.EMAIL_ATTEMPTS and notification.emailed_at is None


def test_one_failing_email_never_blocks_the_others(user, other_user, reviewer, django_capture_on_commit_callbacks):
    from review import services

    broken, fine = submit(user), submit(other_user, instruction="What is a lighthouse for?")
    # An address the mail library refuses (a header may not hold a line break).
    type(user).objects.filter(pk=user.pk).update(email="alice@example.com\nBcc: everyone@example.com")
    with django_capture_on_commit_callbacks(execute=False):
        services.review_approve(demonstration=broken, reviewer=reviewer)
        services.review_approve(demonstration=fine, reviewer=reviewer)
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_pending_notifications", "--older-than", "0")
    assert [message.to for message in mail.outbox] == [[other_user.email]]
    failed = Notification.objects.get(recipient=user)
    assert failed.emailed_at is None and failed.email_attempts == 1 and failed.email_error
    assert Notification.objects.get(recipient=other_user).emailed_at is not None
