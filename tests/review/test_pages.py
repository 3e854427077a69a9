"""The review, notification and open-instruction pages, and the admin bulk actions."""

import pytest
from django.urls import reverse

from annotations.models import AuditEntry, Demonstration, Notification, OpenInstruction, ReviewClaim, Status
from review import services

from .conftest import submit

pytestmark = pytest.mark.django_db


def make_queue(author, n=5):
    return [submit(author, instruction=f"Queue question {i}: why do leaves change colour in autumn?") for i in range(n)]


class TestQueuePage:
    def test_contributors_get_403(self, client_for, other_user):
        assert client_for(other_user).get(reverse("review-queue")).status_code == 403
        assert client_for(other_user).get(reverse("review-stats")).status_code == 403

    def test_shows_the_oldest_with_guidelines_flags_and_shortcuts(self, client_for, user, reviewer):
        first = submit(user, response="Email me at jo@example.com about autumn leaves and chlorophyll.")
        make_queue(user, 2)
        page = client_for(reviewer).get(reverse("review-queue"))
        assert page.status_code == 200
        html = page.content.decode()
        assert first.instruction in html
        assert "Personal data" in html and "flag-personal_data" in html
        assert "Guidelines: Open QA" in html
        assert "js/review.js" in html and "<script>" not in html
        assert 'data-shortcut="a"' in html and 'data-shortcut="s"' in html and 'id="edit-link"' in html
        assert "3 waiting" in html
        assert ReviewClaim.objects.get().demonstration_id == first.pk

    @pytest.mark.parametrize("size", [3, 30])
    def test_query_count_does_not_grow_with_the_queue(
        self, client_for, user, reviewer, size, django_assert_max_num_queries
    ):
        from tests.factories import ReviewerFactory

        items = make_queue(user, size)
        third = size // 3
        for i in range(third):
            services.review_claim_next(reviewer=ReviewerFactory(username=f"busy{i}"))
        for item in items[third : 2 * third]:
            services.review_skip(demonstration=item, reviewer=reviewer)
        client = client_for(reviewer)
        with django_assert_max_num_queries(21):
            page = client.get(reverse("review-queue"))
        assert page.status_code == 200
        assert items[2 * third].instruction in page.content.decode()

    def test_empty_queue(self, client_for, reviewer):
        page = client_for(reviewer).get(reverse("review-queue"))
        assert page.status_code == 200 and "Nothing is waiting for you" in page.content.decode()

    def test_bad_filter_is_reported_and_ignored(self, client_for, user, reviewer):
        make_queue(user, 1)
        page = client_for(reviewer).get(reverse("review-queue"), {"author": "nobody", "flag": "bogus"}, follow=True)
        html = page.content.decode()
        assert page.status_code == 200 and "No contributor is called" in html

    def test_decision_then_next(self, client_for, user, reviewer):
        first, second = make_queue(user, 2)
        client = client_for(reviewer)
        client.get(reverse("review-queue"))
        response = client.post(
            reverse("review-decide", args=[first.public_id]) + "?category=open_qa",
            {"decision": "reject", "reason": "off_topic", "comment": "Not a question.", "rating": "1", "version": "1"},
        )
        assert response.status_code == 302 and response["Location"] == "/review/?category=open_qa"
        assert Demonstration.objects.get(pk=first.pk).status == Status.REJECTED
        page = client.get(response["Location"])
        assert second.instruction in page.content.decode()

    def test_decision_without_reason_rerenders_with_the_error(self, client_for, user, reviewer):
        (item,) = make_queue(user, 1)
        response = client_for(reviewer).post(
            reverse("review-decide", args=[item.public_id]), {"decision": "request_changes", "version": "1"}
        )
        assert response.status_code == 400
        assert "Say why: choose a reason." in response.content.decode()
        assert Demonstration.objects.get(pk=item.pk).status == Status.SUBMITTED

    def test_second_decision_gets_a_clear_message(self, client_for, user, reviewer, second_reviewer):
        (item,) = make_queue(user, 1)
        services.review_approve(demonstration=item, reviewer=second_reviewer)
        response = client_for(reviewer).post(
            reverse("review-decide", args=[item.public_id]),
            {"decision": "reject", "reason": "other", "version": "1"},
            follow=True,
        )
        assert "already decided" in response.content.decode()
        assert Demonstration.objects.get(pk=item.pk).status == Status.APPROVED

    def test_in_french_a_flag_and_its_message_are_joined_by_a_spaced_colon(self, client_for, user, reviewer):
        submit(user, response="Email me at jo@example.com about autumn leaves and chlorophyll.")
        html = client_for(reviewer).get(reverse("review-queue"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
        flags = html.split('class="flags"')[1].split("</ul>")[0]
        assert "Données personnelles</strong>\u00a0: Réponse\u00a0: adresse e-mail" in flags, flags
        english = client_for(reviewer).get(reverse("review-queue"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Personal data</strong>: Response: e-mail address" in english

    def test_reject_by_direct_link_on_a_submission_another_reviewer_holds_is_409(
        self, client_for, user, reviewer, second_reviewer
    ):
        (item,) = make_queue(user, 1)
        assert services.review_claim_next(reviewer=second_reviewer).pk == item.pk
        client = client_for(reviewer)
        assert client.get(reverse("review-open", args=[item.public_id])).status_code == 200
        response = client.post(
            reverse("review-decide", args=[item.public_id]),
            {"decision": "reject", "reason": "other", "version": "1"},
        )
        html = response.content.decode()
        assert response.status_code == 409
        assert "Another reviewer is deciding on this demonstration" in html and "not recorded" in html
        assert item.instruction in html
        assert Demonstration.objects.get(pk=item.pk).status == Status.SUBMITTED
        assert ReviewClaim.objects.get(demonstration=item).reviewer == second_reviewer

    def test_own_item_is_403(self, client_for, reviewer):
        own = submit(reviewer)
        assert client_for(reviewer).get(reverse("review-open", args=[own.public_id])).status_code == 403
        assert (
            client_for(reviewer)
            .post(reverse("review-decide", args=[own.public_id]), {"decision": "approve", "version": "1"})
            .status_code
            == 403
        )

    def test_skip(self, client_for, user, reviewer):
        first, second = make_queue(user, 2)
        client = client_for(reviewer)
        client.get(reverse("review-queue"))
        page = client.post(reverse("review-skip", args=[first.public_id]), follow=True)
        assert second.instruction in page.content.decode()
        page = client.post(reverse("review-skips-clear"), follow=True)
        assert "back in your queue" in page.content.decode()


class TestReviewerEditPage:
    def test_edit_and_the_contributor_sees_the_change(self, client_for, user, reviewer):
        item = submit(user, response="Chlorophyll breaks down and the yelow pigments show through.")
        client = client_for(reviewer)
        assert client.get(reverse("review-edit", args=[item.public_id])).status_code == 200
        response = client.post(
            reverse("review-edit", args=[item.public_id]),
            {
                "category": "open_qa",
                "instruction": item.instruction,
                "context": "",
                "source_url": "",
                "response": "Chlorophyll breaks down and the yellow pigments show through.",
                "version": "1",
            },
        )
        assert response.status_code == 302
        services.review_approve(demonstration=item, reviewer=reviewer, expected_version=2)
        page = client_for(user).get(reverse("demonstration-detail", args=[item.public_id])).content.decode()
        assert "<del>yelow</del>" in page and "<ins>yellow</ins>" in page
        assert "reviewer correction" in page

    def test_stale_edit_is_409_and_keeps_nothing(self, client_for, user, reviewer):
        item = submit(user)
        response = client_for(reviewer).post(
            reverse("review-edit", args=[item.public_id]),
            {"category": "open_qa", "instruction": item.instruction, "response": "Changed text here.", "version": "9"},
        )
        assert response.status_code == 409
        assert Demonstration.objects.get(pk=item.pk).version == 1

    def test_contributor_cannot_open_the_edit_page(self, client_for, user, other_user):
        item = submit(user)
        assert client_for(other_user).get(reverse("review-edit", args=[item.public_id])).status_code == 403


class TestDetailPage:
    def test_contributor_sees_reason_and_comment_but_not_flags_or_reviewer(self, client_for, user, reviewer):
        item = submit(user, response="Email jo@example.com for the reason leaves change colour.")
        services.review_request_changes(
            demonstration=item, reviewer=reviewer, reason="personal_data", comment="Remove the address, please."
        )
        html = client_for(user).get(reverse("demonstration-detail", args=[item.public_id])).content.decode()
        assert "Request changes" in html and "Personal data" in html
        assert "Remove the address, please." in html
        assert "flag-personal_data" not in html and "rita" not in html

    def test_double_review_decisions_stay_hidden_until_the_round_ends(self, client_for, user, reviewer):
        from annotations.models import Category

        Category.objects.filter(key="open_qa").update(required_approvals=2)
        item = submit(user)
        services.review_approve(demonstration=item, reviewer=reviewer, comment="Fine by me.")
        html = client_for(user).get(reverse("demonstration-detail", args=[item.public_id])).content.decode()
        assert "Fine by me." not in html

    def test_admin_reopens_from_the_page(self, client_for, user, reviewer, admin_user):
        item = submit(user)
        services.review_approve(demonstration=item, reviewer=reviewer)
        client = client_for(admin_user)
        detail = client.get(reverse("demonstration-detail", args=[item.public_id]))
        assert "Reopen for review" in detail.content.decode()
        client.post(reverse("review-reopen", args=[item.public_id]), {"version": "2", "comment": "Recheck."})
        assert Demonstration.objects.get(pk=item.pk).status == Status.SUBMITTED
        assert client_for(reviewer).post(reverse("review-reopen", args=[item.public_id])).status_code == 403


class TestNotificationsPage:
    def test_unread_count_in_the_header_and_mark_read(self, client_for, user, reviewer):
        item = submit(user)
        services.review_reject(demonstration=item, reviewer=reviewer, reason="duplicate")
        client = client_for(user)
        html = client.get(reverse("home")).content.decode()
        assert 'class="badge unread-count"' in html
        page = client.get(reverse("notification-list")).content.decode()
        assert "was rejected" in page and "Duplicate" in page
        client.post(reverse("notification-read"), {"next": "https://evil.example/"})
        assert Notification.objects.get().read_at is not None
        assert "unread-count" not in client.get(reverse("home")).content.decode()

    def test_stats_page(self, client_for, reviewer, user):
        item = submit(user)
        services.review_approve(demonstration=item, reviewer=reviewer, rating=4)
        html = client_for(reviewer).get(reverse("review-stats")).content.decode()
        assert "rita" in html and "4.0" in html


class TestOpenInstructionPages:
    def test_pose_list_and_answer(self, client_for, user, other_user):
        response = client_for(user).post(
            reverse("open-instruction-create"), {"category": "open_qa", "instruction": "Why do cats purr?"}
        )
        assert response.status_code == 302
        oi = OpenInstruction.objects.get()
        assert "Why do cats purr?" not in client_for(user).get(reverse("open-instruction-list")).content.decode()
        client = client_for(other_user)
        assert "Why do cats purr?" in client.get(reverse("open-instruction-list")).content.decode()
        response = client.post(
            reverse("open-instruction-answer", args=[oi.public_id]),
            {"instruction": "Why do cats purr?", "response": "Mostly contentment; sometimes to soothe pain."},
        )
        demo = Demonstration.objects.get()
        assert response["Location"] == reverse("demonstration-detail", args=[demo.public_id])
        detail = client_for(user).get(response["Location"])
        assert detail.status_code == 200
        assert "Instruction posed by alice, answered by mallory" in detail.content.decode()
        mine = client_for(user).get(reverse("open-instruction-mine")).content.decode()
        assert "answered by mallory" in mine

    def test_late_answer_keeps_the_text_and_says_why(self, client_for, user, other_user, reviewer):
        oi = OpenInstruction.objects.create(
            author=user, category_id=1, instruction="Why do cats purr?", state="withdrawn"
        )
        response = client_for(other_user).post(
            reverse("open-instruction-answer", args=[oi.public_id]),
            {"instruction": "Why do cats purr?", "response": "My careful answer about purring."},
        )
        assert response.status_code == 409
        html = response.content.decode()
        assert "withdrawn" in html and "My careful answer about purring." in html

    def test_own_instruction_cannot_be_answered(self, client_for, user):
        client_for(user).post(
            reverse("open-instruction-create"), {"category": "open_qa", "instruction": "Why do cats purr?"}
        )
        oi = OpenInstruction.objects.get()
        assert (
            client_for(user)
            .post(reverse("open-instruction-answer", args=[oi.public_id]), {"response": "Self-answer."})
            .status_code
            == 403
        )
        assert not Demonstration.objects.exists()


class TestAdminBulkActions:
    def test_approve_selected_uses_the_services(self, client_for, user, admin_user):
        items = make_queue(user, 3)
        own = submit(admin_user, instruction="The admin's own question about autumn?")
        response = client_for(admin_user).post(
            reverse("admin:annotations_demonstration_changelist"),
            {"action": "approve_selected", "_selected_action": [d.pk for d in [*items, own]]},
            follow=True,
        )
        assert response.status_code == 200
        assert set(Demonstration.objects.filter(status=Status.APPROVED).values_list("pk", flat=True)) == {
            d.pk for d in items
        }
        assert Demonstration.objects.get(pk=own.pk).status == Status.SUBMITTED
        assert AuditEntry.objects.filter(action="approve", actor=admin_user).count() == 3
        assert "cannot review your own" in response.content.decode()

    def test_reject_selected_asks_for_a_reason(self, client_for, user, admin_user):
        items = make_queue(user, 2)
        url = reverse("admin:annotations_demonstration_changelist")
        client = client_for(admin_user)
        form = client.post(url, {"action": "reject_selected", "_selected_action": [d.pk for d in items]})
        assert form.status_code == 200 and b'name="reason"' in form.content
        assert not Demonstration.objects.filter(status=Status.REJECTED).exists()
        client.post(
            url,
            {
                "action": "reject_selected",
                "_selected_action": [d.pk for d in items],
                "apply": "1",
                "reason": "duplicate",
                "comment": "Bulk duplicates.",
            },
        )
        assert Demonstration.objects.filter(status=Status.REJECTED).count() == 2
        assert sorted(AuditEntry.objects.values_list("action", flat=True)) == ["reject", "reject", "submit", "submit"]


def test_queue_page_contest_filter(client_for, user, reviewer):
    from datetime import timedelta

    from django.utils import timezone

    from annotations.models import Category
    from leaderboard.models import Contest

    now = timezone.now()
    contest = Contest.objects.create(
        name="Spring", slug="spring", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=1)
    )
    contest.categories.set([Category.objects.get(key="brainstorming")])
    submit(user, instruction="Outside the contest: why is the sea salty?")
    counted = submit(
        user,
        key="brainstorming",
        instruction="Ideas for a spring team outing?",
        response="A picnic, a guided city walk, a cooking class or a boat trip on the lake.",
    )
    page = client_for(reviewer).get(reverse("review-queue"), {"contest": "spring"})
    html = page.content.decode()
    assert counted.instruction in html and 'value="spring" selected' in html


@pytest.mark.parametrize("model", ["auditentry", "review", "qualityflag", "openinstruction", "aiphrase"])
def test_admin_lists_render(client_for, user, reviewer, admin_user, model):
    item = submit(user, response="Mail me at someone@example.com about why leaves change colour.")
    services.review_approve(demonstration=item, reviewer=reviewer)
    OpenInstruction.objects.create(author=user, category=item.category, instruction="Why do cats purr?")
    response = client_for(admin_user).get(reverse(f"admin:annotations_{model}_changelist"))
    assert response.status_code == 200
