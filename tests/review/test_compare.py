"""The duplicate comparison page: who may open it, what it shows, and "Reject as duplicate"."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from annotations import services as demonstration_services
from annotations.models import AuditEntry, Category, Demonstration, QualityFlag, Review, ReviewClaim, Status
from leaderboard.models import PointEntry
from leaderboard.services import contests as contest_services
from review import services
from review.comparison import MAX_COMPARED_CHARS, compare_texts
from review.views import UNDO_SESSION_KEY

from .conftest import submit

pytestmark = pytest.mark.django_db

ORIGINAL = "Why is the sky blue on a clear day in the middle of summer?"
RESEMBLING = "Why is the sky blue on a bright clear day in the middle of summer?"


@pytest.fixture
def pair(user, other_user):
    """An earlier record and a later one flagged as its near duplicate, by two contributors."""
    original = submit(other_user, instruction=ORIGINAL, response="Blue light scatters more than red light in air.")
    flagged = submit(user, instruction=RESEMBLING, response="Air scatters blue light more than the red light.")
    flag = flagged.flags.get(kind=QualityFlag.Kind.NEAR_DUPLICATE)
    assert flag.other_id == original.pk
    return original, flagged


def compare_url(flagged, other=None, **params):
    query = "&".join(
        f"{key}={value}" for key, value in {**({"with": other.public_id} if other else {}), **params}.items()
    )
    url = reverse("review-compare", args=[flagged.public_id])
    return f"{url}?{query}" if query else url


def reject_url(flagged, query=""):
    url = reverse("review-reject-duplicate", args=[flagged.public_id])
    return f"{url}?{query}" if query else url


class TestWhoMayCompare:
    def test_contributors_are_refused(self, client_for, pair, other_user):
        original, flagged = pair
        response = client_for(other_user).get(compare_url(flagged, original))
        assert response.status_code == 403
        post = client_for(other_user).post(reject_url(flagged), {"version": flagged.version})
        assert post.status_code == 403
        assert Demonstration.objects.get(pk=flagged.pk).status == Status.SUBMITTED

    def test_the_author_cannot_compare_their_own_record(self, client_for, pair, user):
        original, flagged = pair
        assert client_for(user).get(compare_url(flagged, original)).status_code in (403, 404)

    def test_reviewer_sees_both_records_the_diff_and_who_wrote_them(self, client_for, pair, reviewer):
        original, flagged = pair
        page = client_for(reviewer).get(compare_url(flagged, original, category="open_qa"))
        assert page.status_code == 200
        html = page.content.decode()
        assert "Compare duplicates" in html and "Near duplicate" in html
        assert "</span>bright</ins>" in html and "<del>" in html
        assert "[added:]" in html and "[removed:]" in html
        assert "alice" in html and "mallory" in html
        assert "<time datetime=" in html
        assert "Similarity of the instructions as they are now: <strong>90%</strong>" in html
        assert 'href="/review/?category=open_qa"' in html
        assert 'id="reject-duplicate"' in html

    def test_unknown_record_or_no_duplicate_flag_is_404(self, client_for, user, reviewer, pair):
        plain = submit(user, instruction="Name three rivers that flow through Germany and the sea they reach.")
        client = client_for(reviewer)
        assert client.get(compare_url(plain)).status_code == 404
        original, flagged = pair
        assert client.get(compare_url(flagged, plain)).status_code == 404
        assert client.get("/review/00000000-0000-0000-0000-000000000000/compare/").status_code == 404

    def test_a_malformed_other_id_is_400_naming_the_parameter(self, client_for, reviewer, pair):
        _, flagged = pair
        response = client_for(reviewer).get(compare_url(flagged) + "?with=nope")
        assert response.status_code == 400 and "with:" in response.content.decode()

    def test_resembled_record_back_to_draft_is_not_shown(self, client_for, reviewer, pair):
        original, flagged = pair
        Demonstration.objects.filter(pk=original.pk).update(status=Status.DRAFT)
        page = client_for(reviewer).get(compare_url(flagged))
        html = page.content.decode()
        assert page.status_code == 200
        assert "no longer visible to reviewers" in html
        assert original.instruction not in html and 'id="reject-duplicate"' not in html

    def test_resembled_record_deleted(self, client_for, reviewer, pair):
        original, flagged = pair
        Demonstration.objects.filter(pk=original.pk).update(status=Status.DRAFT)
        demonstration_services.demonstration_delete(
            demonstration=Demonstration.objects.get(pk=original.pk),
            actor=original.author,
            expected_version=original.version,
        )
        assert QualityFlag.objects.get(demonstration=flagged, kind=QualityFlag.Kind.NEAR_DUPLICATE).other_id is None
        page = client_for(reviewer).get(compare_url(flagged))
        assert page.status_code == 200 and "has been deleted" in page.content.decode()

    def test_query_count_is_bounded(self, client_for, reviewer, pair, django_assert_max_num_queries):
        original, flagged = pair
        client = client_for(reviewer)
        client.get(compare_url(flagged, original))
        with django_assert_max_num_queries(10):
            assert client.get(compare_url(flagged, original)).status_code == 200


class TestRejectAsDuplicate:
    def test_records_the_decision_and_points_like_the_queue_and_offers_undo(self, client_for, reviewer, pair):
        original, flagged = pair
        client = client_for(reviewer)
        response = client.post(
            reject_url(flagged, "category=open_qa"), {"version": flagged.version, "with": original.public_id}
        )
        assert response.status_code == 302 and response["Location"] == "/review/?category=open_qa"
        review = Review.objects.get(demonstration=flagged)
        assert (review.decision, review.reason, review.reviewer) == ("reject", "duplicate", reviewer)
        assert Demonstration.objects.get(pk=flagged.pk).status == Status.REJECTED
        assert AuditEntry.objects.filter(demonstration=flagged, action="reject").exists()
        assert client.session[UNDO_SESSION_KEY] == review.pk
        queue = client.get(response["Location"]).content.decode()
        assert 'id="undo-form"' in queue
        undo = client.post(reverse("review-undo", args=[flagged.public_id]))
        assert undo.status_code == 302
        assert Demonstration.objects.get(pk=flagged.pk).status == Status.SUBMITTED

    def test_same_points_as_a_reject_from_the_queue(self, client_for, reviewer, second_reviewer, user, other_user):
        now = timezone.now()
        contest_services.contest_create(
            categories=list(Category.objects.all()),
            name="Review week",
            slug="review-week",
            starts_at=now - datetime.timedelta(days=1),
            ends_at=now + datetime.timedelta(days=1),
            review_points=3,
        )
        first = submit(other_user, instruction=ORIGINAL)
        a = submit(user, instruction=RESEMBLING)
        b = submit(user, instruction=RESEMBLING + " Explain.")
        client_for(reviewer).post(reject_url(a), {"version": a.version})
        client = client_for(second_reviewer)
        client.post(
            reverse("review-decide", args=[b.public_id]),
            {"decision": "reject", "reason": "duplicate", "version": b.version},
        )
        mine = list(PointEntry.objects.filter(user=reviewer).values_list("points", "reason", "contest__slug"))
        theirs = list(PointEntry.objects.filter(user=second_reviewer).values_list("points", "reason", "contest__slug"))
        assert mine and mine == theirs
        assert Review.objects.get(demonstration=a).reason == Review.objects.get(demonstration=b).reason == "duplicate"
        assert first.pk

    def test_a_stale_version_is_409_and_records_nothing(self, client_for, reviewer, pair):
        original, flagged = pair
        response = client_for(reviewer).post(
            reject_url(flagged), {"version": flagged.version + 5, "with": original.public_id}
        )
        assert response.status_code == 409
        assert "changed elsewhere" in response.content.decode()
        assert not Review.objects.filter(demonstration=flagged).exists()

    def test_already_decided_elsewhere_is_409(self, client_for, reviewer, second_reviewer, pair):
        original, flagged = pair
        services.review_approve(demonstration=flagged, reviewer=second_reviewer)
        response = client_for(reviewer).post(reject_url(flagged), {"version": flagged.version})
        html = response.content.decode()
        assert response.status_code == 409 and "already decided" in html
        assert 'id="reject-duplicate"' not in html
        assert Demonstration.objects.get(pk=flagged.pk).status == Status.APPROVED

    def test_held_by_another_reviewer_is_409(self, client_for, reviewer, second_reviewer, pair):
        original, flagged = pair
        assert services.review_claim_next(reviewer=second_reviewer).pk == original.pk
        services.review_skip(demonstration=original, reviewer=second_reviewer)
        assert services.review_claim_next(reviewer=second_reviewer).pk == flagged.pk
        client = client_for(reviewer)
        page = client.get(compare_url(flagged, original))
        assert "Another reviewer is deciding" in page.content.decode()
        response = client.post(reject_url(flagged), {"version": flagged.version})
        assert response.status_code == 409 and "not recorded" in response.content.decode()
        assert not Review.objects.filter(demonstration=flagged).exists()
        assert ReviewClaim.objects.get(demonstration=flagged).reviewer == second_reviewer

    def test_a_missing_version_is_400_naming_the_field(self, client_for, reviewer, pair):
        _, flagged = pair
        response = client_for(reviewer).post(reject_url(flagged), {"version": "x"})
        assert response.status_code == 400
        assert not Review.objects.filter(demonstration=flagged).exists()


class TestQueueAndEditPages:
    def test_queue_item_links_to_the_comparison_with_its_filters_and_key(self, client_for, reviewer, pair):
        original, flagged = pair
        services.review_skip(demonstration=original, reviewer=reviewer)
        page = client_for(reviewer).get(reverse("review-queue"), {"category": "open_qa"})
        html = page.content.decode()
        assert flagged.instruction in html
        expected = f"/review/{flagged.public_id}/compare/?with={original.public_id}&amp;category=open_qa"
        assert expected in html and "data-compare-link" in html and "<kbd>d</kbd>" in html

    def test_edit_page_shows_flags_and_guidelines(self, client_for, reviewer, pair):
        _, flagged = pair
        page = client_for(reviewer).get(reverse("review-edit", args=[flagged.public_id]))
        html = page.content.decode()
        assert page.status_code == 200
        assert "Near duplicate" in html and "flag-near_duplicate" in html
        assert "Guidelines: Open QA" in html
        assert "Compare side by side" in html


def test_long_texts_are_compared_up_to_the_cap():
    long = "word " * (MAX_COMPARED_CHARS // 2)
    field = compare_texts(long + "tail", "other " + long)
    assert field.truncated
    assert sum(len(text) for _, text in field.flagged) <= MAX_COMPARED_CHARS
    assert sum(len(text) for _, text in field.other) <= MAX_COMPARED_CHARS


def test_each_side_reads_as_its_own_text_with_only_words_marked():
    flagged, other = "Name  three big rivers of France, please.", "Name three rivers of Spain."
    field = compare_texts(flagged, other)
    assert "".join(text for _, text in field.flagged) == flagged
    assert "".join(text for _, text in field.other) == other
    marked = [text for op, text in field.flagged + field.other if op != "equal"]
    assert marked and all(text == text.strip() for text in marked)
    assert {op for op, _ in field.flagged} == {"equal", "insert"} and {op for op, _ in field.other} == {
        "equal",
        "delete",
    }
