"""Every review transition, allowed and refused, through the services."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from annotations import services as demonstration_services
from annotations.exceptions import StaleEdit, TransitionNotAllowed
from annotations.models import AuditEntry, Demonstration, Notification, Review, Status
from review import services
from review.exceptions import AlreadyDecided, AlreadyReviewed, NotAReviewer, OwnWork

from .conftest import category, submit

pytestmark = pytest.mark.django_db


def fresh(demonstration):
    return Demonstration.objects.get(pk=demonstration.pk)


def test_approve_moves_submitted_to_approved_and_records_the_review(user, reviewer):
    demo = submit(user)
    review = services.review_approve(
        demonstration=demo, reviewer=reviewer, expected_version=demo.version, rating=4, comment="Clear and correct."
    )
    demo = fresh(demo)
    assert demo.status == Status.APPROVED
    assert demo.version == 2
    assert (review.decision, review.rating, review.round, review.demonstration_version) == ("approve", 4, 1, 1)
    assert review.reason == ""


@pytest.mark.parametrize(
    ("service", "status"),
    [
        (services.review_reject, Status.REJECTED),
        (services.review_request_changes, Status.CHANGES_REQUESTED),
    ],
)
def test_reject_and_request_changes_need_a_reason(user, reviewer, service, status):
    demo = submit(user)
    with pytest.raises(ValidationError) as error:
        service(demonstration=demo, reviewer=reviewer, reason="", expected_version=demo.version)
    assert "reason" in error.value.message_dict
    assert fresh(demo).status == Status.SUBMITTED
    assert not Review.objects.exists()
    service(demonstration=demo, reviewer=reviewer, reason="too_short", expected_version=demo.version)
    assert fresh(demo).status == status


def test_unknown_reason_and_bad_rating_are_refused_by_field(user, reviewer):
    demo = submit(user)
    with pytest.raises(ValidationError) as error:
        services.review_decide(decision="approve", demonstration=demo, reviewer=reviewer, reason="boring", rating=9)
    assert set(error.value.message_dict) == {"reason", "rating"}
    with pytest.raises(ValidationError) as error:
        services.review_decide(decision="maybe", demonstration=demo, reviewer=reviewer)
    assert set(error.value.message_dict) == {"decision"}
    assert fresh(demo).status == Status.SUBMITTED


def test_changes_requested_then_author_edits_and_resubmits(user, reviewer):
    demo = submit(user)
    services.review_request_changes(
        demonstration=demo, reviewer=reviewer, reason="factually_wrong", comment="Check the wavelength claim."
    )
    demo = fresh(demo)
    assert demo.status == Status.CHANGES_REQUESTED and demo.is_editable
    edited = demonstration_services.demonstration_update(
        demonstration=demo,
        editor=user,
        expected_version=demo.version,
        changes={"response": "Shorter (blue) wavelengths scatter more strongly off air molecules (Rayleigh)."},
        submit=True,
    )
    assert edited.status == Status.SUBMITTED
    assert edited.review_round == 2
    services.review_approve(demonstration=edited, reviewer=reviewer, expected_version=edited.version)
    assert fresh(demo).status == Status.APPROVED
    assert list(Review.objects.order_by("id").values_list("round", "decision")) == [
        (1, "request_changes"),
        (2, "approve"),
    ]


def test_changes_requested_then_plain_submit_starts_a_new_round(user, reviewer):
    demo = submit(user)
    services.review_request_changes(demonstration=demo, reviewer=reviewer, reason="other")
    resubmitted = demonstration_services.demonstration_submit(demonstration=demo, actor=user)
    assert (resubmitted.status, resubmitted.review_round) == (Status.SUBMITTED, 2)


@pytest.mark.parametrize("status", [Status.DRAFT, Status.APPROVED, Status.REJECTED, Status.CHANGES_REQUESTED])
@pytest.mark.parametrize("service", [services.review_approve, services.review_reject, services.review_request_changes])
def test_decisions_are_refused_unless_submitted(user, reviewer, status, service):
    demo = submit(user)
    Demonstration.objects.filter(pk=demo.pk).update(status=status)
    with pytest.raises(AlreadyDecided):
        service(demonstration=demo, reviewer=reviewer, reason="other")
    assert fresh(demo).status == status
    assert not Review.objects.exists()
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["submit"]


def test_second_decision_is_refused_with_who_decided(user, reviewer, second_reviewer):
    demo = submit(user)
    services.review_approve(demonstration=demo, reviewer=reviewer, expected_version=1)
    with pytest.raises(AlreadyDecided) as error:
        services.review_reject(demonstration=demo, reviewer=second_reviewer, reason="duplicate", expected_version=1)
    assert "rita" in str(error.value) and "approved" in str(error.value)
    assert fresh(demo).status == Status.APPROVED
    assert Review.objects.count() == 1


def test_stale_version_is_refused(user, reviewer):
    demo = submit(user)
    with pytest.raises(StaleEdit):
        services.review_approve(demonstration=demo, reviewer=reviewer, expected_version=7)
    assert fresh(demo).status == Status.SUBMITTED


def test_nobody_reviews_their_own(reviewer):
    demo = submit(reviewer)
    with pytest.raises(OwnWork):
        services.review_approve(demonstration=demo, reviewer=reviewer)
    assert fresh(demo).status == Status.SUBMITTED


def test_instruction_author_cannot_review_the_answer(user, reviewer, second_reviewer):
    demo = submit(user, instruction_author=reviewer)
    with pytest.raises(OwnWork):
        services.review_approve(demonstration=demo, reviewer=reviewer)
    services.review_approve(demonstration=demo, reviewer=second_reviewer)
    assert fresh(demo).status == Status.APPROVED


def test_contributors_cannot_decide(user, other_user):
    demo = submit(user)
    with pytest.raises(NotAReviewer):
        services.review_approve(demonstration=demo, reviewer=other_user)
    assert fresh(demo).status == Status.SUBMITTED


def test_reopen_sends_approved_back_to_review_in_a_new_round(user, reviewer, admin_user):
    demo = submit(user)
    services.review_approve(demonstration=demo, reviewer=reviewer)
    original_submitted_at = fresh(demo).submitted_at
    reopened = services.review_reopen(demonstration=demo, actor=admin_user, comment="Source looks copied.")
    assert (reopened.status, reopened.review_round, reopened.version) == (Status.SUBMITTED, 2, 3)
    assert reopened.submitted_at == original_submitted_at
    services.review_reject(demonstration=reopened, reviewer=reviewer, reason="copied_or_ai")
    assert fresh(demo).status == Status.REJECTED


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.REJECTED, Status.CHANGES_REQUESTED, Status.DRAFT])
def test_reopen_only_from_approved(user, admin_user, status):
    demo = submit(user)
    Demonstration.objects.filter(pk=demo.pk).update(status=status)
    with pytest.raises(TransitionNotAllowed):
        services.review_reopen(demonstration=demo, actor=admin_user)
    assert fresh(demo).status == status


def test_reopen_is_for_admins_only(user, reviewer):
    demo = submit(user)
    services.review_approve(demonstration=demo, reviewer=reviewer)
    with pytest.raises(NotAReviewer):
        services.review_reopen(demonstration=demo, actor=reviewer)
    assert fresh(demo).status == Status.APPROVED


def test_reopen_calls_the_reversal_hook(user, reviewer, admin_user, monkeypatch):
    calls = []
    monkeypatch.setattr(
        "review.hooks.approval_reversed",
        lambda demonstration, actor: calls.append((demonstration.pk, actor.pk)),
    )
    monkeypatch.setattr(
        "review.hooks.approval_granted", lambda demonstration, review: calls.append(("granted", review.pk))
    )
    demo = submit(user)
    review = services.review_approve(demonstration=demo, reviewer=reviewer)
    services.review_reopen(demonstration=demo, actor=admin_user)
    assert calls == [("granted", review.pk), (demo.pk, admin_user.pk)]


def test_every_decision_writes_an_audit_entry(user, reviewer, admin_user):
    demo = submit(user)
    services.review_approve(demonstration=demo, reviewer=reviewer, rating=5)
    services.review_reopen(demonstration=demo, actor=admin_user, comment="again")
    services.review_reject(demonstration=demo, reviewer=reviewer, reason="duplicate", comment="Same as #12")
    entries = list(AuditEntry.objects.order_by("id"))
    assert (entries[0].action, entries[0].actor_id) == ("submit", user.pk)
    entries = entries[1:]
    assert [(e.action, e.actor_id) for e in entries] == [
        ("approve", reviewer.pk),
        ("reopen", admin_user.pk),
        ("reject", reviewer.pk),
    ]
    assert entries[0].before == {"status": "submitted", "version": 1, "round": 1}
    assert entries[0].after["status"] == "approved" and entries[0].after["rating"] == 5
    assert entries[1].before["status"] == "approved" and entries[1].after == {
        "status": "submitted",
        "version": 3,
        "round": 2,
        "comment": "again",
    }
    assert entries[2].after["reason"] == "duplicate" and entries[2].after["comment"] == "Same as #12"
    assert all(e.demonstration_public_id == demo.public_id for e in entries)


def test_decision_notifies_the_contributor_in_the_site_and_by_mail(user, reviewer, django_capture_on_commit_callbacks):
    demo = submit(user)
    with django_capture_on_commit_callbacks(execute=True):
        services.review_request_changes(
            demonstration=demo, reviewer=reviewer, reason="too_short", comment="Add an example please."
        )
    notification = Notification.objects.get()
    assert notification.recipient == user and notification.demonstration_id == demo.pk
    assert "Too short" in notification.text and "Add an example please." in notification.text
    assert notification.read_at is None and notification.emailed_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert "Add an example please." in message.body
    assert f"/demonstrations/{demo.public_id}/" in message.body


def test_no_mail_before_commit_and_none_when_rolled_back(user, reviewer, django_capture_on_commit_callbacks):
    demo = submit(user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.review_approve(demonstration=demo, reviewer=reviewer)
    assert len(callbacks) == 1
    assert mail.outbox == []


def test_answer_notifies_both_people(user, other_user, reviewer, django_capture_on_commit_callbacks):
    demo = submit(user, instruction_author=other_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.review_approve(demonstration=demo, reviewer=reviewer)
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == ["alice", "mallory"]
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.com", "mallory@example.com"]


def test_email_task_sends_at_most_once(user, reviewer, django_capture_on_commit_callbacks):
    from review.tasks import send_notification_email

    demo = submit(user)
    with django_capture_on_commit_callbacks(execute=True):
        services.review_approve(demonstration=demo, reviewer=reviewer)
    send_notification_email(Notification.objects.get().pk)
    send_notification_email(999_999)
    assert len(mail.outbox) == 1


class TestDoubleReview:
    @pytest.fixture(autouse=True)
    def two_approvals(self, db):
        category("open_qa").__class__.objects.filter(key="open_qa").update(required_approvals=2)

    def test_two_approvals_needed(self, user, reviewer, second_reviewer):
        demo = submit(user)
        services.review_approve(demonstration=demo, reviewer=reviewer, expected_version=1)
        assert fresh(demo).status == Status.SUBMITTED and fresh(demo).version == 1
        services.review_approve(demonstration=demo, reviewer=second_reviewer, expected_version=1)
        assert fresh(demo).status == Status.APPROVED

    def test_same_reviewer_cannot_count_twice(self, user, reviewer):
        demo = submit(user)
        services.review_approve(demonstration=demo, reviewer=reviewer)
        with pytest.raises(AlreadyReviewed):
            services.review_approve(demonstration=demo, reviewer=reviewer)
        assert Review.objects.count() == 1

    @pytest.mark.parametrize(
        ("second", "outcome"), [("reject", Status.REJECTED), ("request_changes", Status.CHANGES_REQUESTED)]
    )
    def test_disagreement_decides_against_approval(self, user, reviewer, second_reviewer, second, outcome):
        demo = submit(user)
        services.review_approve(demonstration=demo, reviewer=reviewer)
        services.review_decide(decision=second, demonstration=demo, reviewer=second_reviewer, reason="off_topic")
        assert fresh(demo).status == outcome

    def test_reject_and_changes_give_changes_requested(self, user, reviewer, second_reviewer):
        demo = submit(user)
        services.review_reject(demonstration=demo, reviewer=reviewer, reason="off_topic")
        assert fresh(demo).status == Status.SUBMITTED
        services.review_request_changes(demonstration=demo, reviewer=second_reviewer, reason="too_short")
        assert fresh(demo).status == Status.CHANGES_REQUESTED

    def test_notification_only_when_the_round_is_decided(self, user, reviewer, second_reviewer):
        demo = submit(user)
        services.review_approve(demonstration=demo, reviewer=reviewer)
        assert not Notification.objects.exists()
        services.review_approve(demonstration=demo, reviewer=second_reviewer)
        assert Notification.objects.filter(recipient=user).count() == 1


class TestReviewerEdit:
    def test_reviewer_fixes_a_typo_as_a_revision(self, user, reviewer):
        demo = submit(user, response="Air molecules scater blue light more than red light.")
        edited = services.review_edit(
            demonstration=demo,
            reviewer=reviewer,
            expected_version=1,
            changes={"response": "Air molecules scatter blue light more than red light."},
        )
        assert edited.status == Status.SUBMITTED and edited.version == 2
        revision = edited.revisions.order_by("-version").first()
        assert revision.editor == reviewer and "scatter" in revision.response
        entry = AuditEntry.objects.get(action="reviewer_edit")
        assert entry.before["response"].startswith("Air molecules scater")
        assert entry.after["response"].startswith("Air molecules scatter")
        assert "instruction" not in entry.after
        services.review_approve(demonstration=edited, reviewer=reviewer, expected_version=2)
        assert fresh(demo).status == Status.APPROVED

    def test_reviewer_edit_must_keep_the_submission_complete(self, user, reviewer):
        demo = submit(user)
        with pytest.raises(ValidationError) as error:
            services.review_edit(demonstration=demo, reviewer=reviewer, expected_version=1, changes={"response": ""})
        assert "response" in error.value.message_dict
        assert fresh(demo).version == 1

    def test_reviewer_edit_refused_on_own_or_decided(self, user, reviewer, second_reviewer):
        own = submit(reviewer)
        with pytest.raises(OwnWork):
            services.review_edit(demonstration=own, reviewer=reviewer, expected_version=1, changes={"response": "x"})
        demo = submit(user)
        services.review_approve(demonstration=demo, reviewer=second_reviewer)
        with pytest.raises(AlreadyDecided):
            services.review_edit(
                demonstration=demo,
                reviewer=reviewer,
                expected_version=2,
                changes={"response": "Changed after approval."},
            )

    def test_contributor_cannot_edit_someone_elses_submission(self, user, other_user):
        demo = submit(user)
        with pytest.raises(TransitionNotAllowed):
            demonstration_services.demonstration_update(
                demonstration=demo, editor=other_user, expected_version=1, changes={"response": "Hijacked."}
            )
        assert fresh(demo).response.startswith("Air molecules")

    def test_reviewer_edit_with_stale_version(self, user, reviewer):
        demo = submit(user)
        with pytest.raises(StaleEdit):
            services.review_edit(
                demonstration=demo,
                reviewer=reviewer,
                expected_version=5,
                changes={"response": "Something else entirely, long enough."},
            )
