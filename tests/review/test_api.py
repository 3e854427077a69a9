"""Every review and open-instruction endpoint: who may call it and what it answers."""

import pytest
from django.core import mail

from annotations.models import Demonstration, Notification, OpenInstruction, Status
from review import services

from .conftest import category, submit

pytestmark = pytest.mark.django_db
NEXT = "/api/v1/review/next/"
AGREEMENT = "/api/v1/review/agreement/"
NOTIFICATIONS = "/api/v1/notifications/"
OPEN = "/api/v1/open-instructions/"


def review_url(demo):
    return f"/api/v1/demonstrations/{demo.public_id}/review/"


def test_anonymous_is_refused_everywhere(api_for, user):
    demo = submit(user)
    api = api_for()
    for method, url in [
        ("get", NEXT),
        ("get", AGREEMENT),
        ("get", NOTIFICATIONS),
        ("get", OPEN),
        ("post", review_url(demo)),
        ("post", f"/api/v1/review/{demo.public_id}/skip/"),
        ("post", f"/api/v1/demonstrations/{demo.public_id}/reopen/"),
        ("post", OPEN),
    ]:
        assert getattr(api, method)(url, {}).status_code in (401, 403), url


def test_reviewer_only_endpoints_refuse_contributors(api_for, user, other_user):
    demo = submit(user)
    api = api_for(other_user)
    assert api.get(NEXT).status_code == 403
    assert api.get(AGREEMENT).status_code == 403
    assert api.post(review_url(demo), {"decision": "approve", "version": 1}).status_code == 403
    assert api.post(f"/api/v1/review/{demo.public_id}/skip/").status_code == 403
    assert api.post(f"/api/v1/demonstrations/{demo.public_id}/reopen/", {}).status_code == 403
    assert Demonstration.objects.get(pk=demo.pk).status == Status.SUBMITTED


def test_next_claims_and_returns_the_item_with_flags(api_for, user, reviewer):
    demo = submit(user, response="Call me on +44 20 7946 0958, it is about Rayleigh scattering of light.")
    response = api_for(reviewer).get(NEXT)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(demo.public_id)
    assert body["version"] == 1 and body["author"] == "alice" and body["category"] == "open_qa"
    assert [f["kind"] for f in body["flags"]] == ["personal_data"]
    assert body["claimed_until"]
    assert body["guidelines"]


def test_next_is_204_when_empty_and_400_on_bad_filters(api_for, reviewer):
    api = api_for(reviewer)
    assert api.get(NEXT).status_code == 204
    response = api.get(NEXT, {"flag": "nonsense", "category": "nope", "author": "nobody"})
    assert response.status_code == 400
    assert set(response.json()) == {"flag", "category", "author"}


def test_next_filters(api_for, user, other_user, reviewer):
    submit(user)
    theirs = submit(
        other_user,
        key="brainstorming",
        instruction="Ideas for a team lunch?",
        response="Tacos, a picnic in the park, a bring-your-own-dish table, or a ramen place.",
    )
    body = api_for(reviewer).get(NEXT, {"category": "brainstorming", "author": "mallory"}).json()
    assert body["id"] == str(theirs.public_id)


def test_decide(api_for, user, reviewer, django_capture_on_commit_callbacks):
    demo = submit(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(reviewer).post(
            review_url(demo),
            {"decision": "request_changes", "reason": "too_short", "comment": "Say more.", "rating": 2, "version": 1},
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["decision"], body["reason"], body["rating"], body["status"], body["version"]) == (
        "request_changes",
        "too_short",
        2,
        "changes_requested",
        2,
    )
    assert len(mail.outbox) == 1


def test_decide_errors(api_for, user, reviewer, second_reviewer):
    demo = submit(user)
    api = api_for(reviewer)
    missing_reason = api.post(review_url(demo), {"decision": "reject", "version": 1})
    assert missing_reason.status_code == 400 and "reason" in missing_reason.json()
    bad = api.post(review_url(demo), {"decision": "approve", "rating": 6, "reason": "boring"})
    assert bad.status_code == 400 and {"rating", "reason", "version"} <= set(bad.json())
    stale = api.post(review_url(demo), {"decision": "approve", "version": 3})
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version" and stale.json()["current_version"] == 1
    assert api.post(review_url(demo), {"decision": "approve", "version": 1}).status_code == 201
    second = api_for(second_reviewer).post(review_url(demo), {"decision": "reject", "reason": "other", "version": 1})
    assert second.status_code == 409
    assert second.json()["code"] == "already_decided" and "rita" in second.json()["detail"]
    assert Demonstration.objects.get(pk=demo.pk).status == Status.APPROVED


def test_decide_on_own_or_invisible(api_for, user, reviewer):
    own = submit(reviewer)
    response = api_for(reviewer).post(review_url(own), {"decision": "approve", "version": 1})
    assert response.status_code == 403
    draft = Demonstration.objects.create(author=user, category=category("open_qa"), instruction="Draft")
    assert api_for(reviewer).post(review_url(draft), {"decision": "approve", "version": 1}).status_code == 404
    assert (
        api_for(reviewer)
        .post(
            "/api/v1/demonstrations/00000000-0000-0000-0000-000000000000/review/", {"decision": "approve", "version": 1}
        )
        .status_code
        == 404
    )


def test_skip(api_for, user, reviewer):
    first = submit(user)
    second = submit(user, instruction="What makes a rainbow appear after the rain?")
    api = api_for(reviewer)
    assert api.get(NEXT).json()["id"] == str(first.public_id)
    assert api.post(f"/api/v1/review/{first.public_id}/skip/").status_code == 204
    assert api.get(NEXT).json()["id"] == str(second.public_id)


def test_reopen_is_admin_only(api_for, user, reviewer, admin_user):
    demo = submit(user)
    url = f"/api/v1/demonstrations/{demo.public_id}/reopen/"
    assert api_for(admin_user).post(url, {}).status_code == 409
    services.review_approve(demonstration=demo, reviewer=reviewer)
    assert api_for(reviewer).post(url, {}).status_code == 403
    response = api_for(admin_user).post(url, {"version": 2, "comment": "Check the source again."})
    assert response.status_code == 200
    assert response.json() == {"id": str(demo.public_id), "status": "submitted", "version": 3}


def test_agreement(api_for, reviewer):
    response = api_for(reviewer).get(AGREEMENT)
    assert response.status_code == 200
    assert response.json() == {"items": 0, "agreed": 0, "percent": None, "kappa": None}
    assert api_for(reviewer).get(AGREEMENT, {"category": "nope"}).status_code == 400


def test_notifications_are_private_and_can_be_marked_read(api_for, user, other_user, reviewer):
    demo = submit(user)
    services.review_reject(demonstration=demo, reviewer=reviewer, reason="duplicate")
    assert api_for(other_user).get(NOTIFICATIONS).json()["count"] == 0
    body = api_for(user).get(NOTIFICATIONS).json()
    assert body["count"] == 1 and body["results"][0]["demonstration"] == str(demo.public_id)
    assert api_for(other_user).post(NOTIFICATIONS + "read/", {}, format="json").json() == {"marked": 0}
    assert api_for(user).post(NOTIFICATIONS + "read/", {}, format="json").json() == {"marked": 1}
    assert Notification.objects.get().read_at is not None


class TestOpenInstructionsAPI:
    def test_create_list_answer(self, api_for, user, other_user, reviewer):
        created = api_for(user).post(OPEN, {"category": "open_qa", "instruction": "Why do cats purr?"})
        assert created.status_code == 201
        oid = created.json()["id"]
        assert api_for(user).get(OPEN).json()["count"] == 0
        assert api_for(user).get(OPEN, {"mine": "true"}).json()["count"] == 1
        listed = api_for(other_user).get(OPEN).json()
        assert [r["id"] for r in listed["results"]] == [oid]
        assert api_for(other_user).get(OPEN, {"category": "closed_qa"}).json()["count"] == 0

        own = api_for(user).post(f"{OPEN}{oid}/answer/", {"response": "To be fed."})
        assert own.status_code == 403
        empty = api_for(other_user).post(f"{OPEN}{oid}/answer/", {"response": ""})
        assert empty.status_code == 400 and "response" in empty.json()
        answered = api_for(other_user).post(
            f"{OPEN}{oid}/answer/",
            {
                "instruction": "Why do cats purr when stroked?",
                "response": "Purring is a low vibration of the larynx muscles; cats purr when content, and also to "
                "soothe themselves when hurt.",
            },
        )
        assert answered.status_code == 201
        demo = Demonstration.objects.get(public_id=answered.json()["id"])
        assert (demo.author, demo.instruction_author, demo.status) == (other_user, user, Status.SUBMITTED)
        assert demo.instruction == "Why do cats purr when stroked?"
        again = api_for(reviewer).post(f"{OPEN}{oid}/answer/", {"response": "Another answer entirely."})
        assert again.status_code == 409 and again.json()["code"] == "already_answered"
        assert api_for(user).delete(f"{OPEN}{oid}/").status_code == 409

    def test_reference_text_rules_apply(self, api_for, user):
        response = api_for(user).post(OPEN, {"category": "closed_qa", "instruction": "When did it open?"})
        assert response.status_code == 400
        assert {"context", "source_url"} <= set(response.json())
        response = api_for(user).post(OPEN, {"category": "open_qa", "instruction": "Why?", "context": "Text."})
        assert response.status_code == 400 and "context" in response.json()
        assert not OpenInstruction.objects.exists()

    def test_withdraw(self, api_for, user, other_user):
        oid = api_for(user).post(OPEN, {"category": "open_qa", "instruction": "Why do cats purr?"}).json()["id"]
        assert api_for(other_user).delete(f"{OPEN}{oid}/").status_code == 403
        assert api_for(user).delete(f"{OPEN}{oid}/").status_code == 204
        assert OpenInstruction.objects.get().state == "withdrawn"
        late = api_for(other_user).post(f"{OPEN}{oid}/answer/", {"response": "Contentment, mostly."})
        assert late.status_code == 409


def test_contributor_reads_the_decisions_on_their_demonstration(api_for, user, other_user, reviewer):
    demo = submit(user)
    services.review_request_changes(demonstration=demo, reviewer=reviewer, reason="too_short", comment="More.")
    url = f"/api/v1/demonstrations/{demo.public_id}/reviews/"
    body = api_for(user).get(url).json()
    assert body["count"] == 1
    assert body["results"][0] == {
        **body["results"][0],
        "decision": "request_changes",
        "reason": "too_short",
        "comment": "More.",
        "round": 1,
    }
    assert "reviewer" not in body["results"][0]
    assert api_for(other_user).get(url).status_code == 404
    assert api_for(reviewer).get(url).status_code == 200


@pytest.mark.parametrize("decision", ["approve", "reject", "request_changes"])
def test_a_decision_on_a_submission_another_reviewer_holds_is_409_naming_the_claim(
    api_for, user, reviewer, second_reviewer, decision
):
    demo = submit(user)
    assert services.review_claim_next(reviewer=second_reviewer).pk == demo.pk
    answer = api_for(reviewer).post(review_url(demo), {"decision": decision, "reason": "other", "version": 1})
    assert answer.status_code == 409
    assert answer.json()["code"] == "held_by_another_reviewer"
    assert "Another reviewer is deciding" in answer.json()["detail"]
    assert Demonstration.objects.get(pk=demo.pk).status == Status.SUBMITTED
    assert not demo.reviews.exists()
