"""``manage.py load_demo``: demo accounts, a running contest, demonstrations in every status reached
through the services, safe to run again."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from accounts.permissions import is_admin, is_reviewer
from annotations.models import (
    AuditEntry,
    Category,
    Demonstration,
    Notification,
    OpenInstruction,
    Review,
    Revision,
    Status,
)
from annotations.validation import check_demonstration
from leaderboard.models import Contest, PointEntry, Standing

pytestmark = pytest.mark.django_db


def load_demo(*args):
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def counts():
    return (
        get_user_model().objects.count(),
        Demonstration.objects.count(),
        Revision.objects.count(),
        tuple(Demonstration.objects.order_by("status").values_list("status", flat=True).distinct()),
    )


def test_load_demo_creates_accounts_and_demonstrations_in_every_status():
    output = load_demo()
    users = get_user_model().objects.in_bulk(field_name="username")
    assert {"admin", "reviewer", "alice", "bob", "carol"} <= set(users)
    assert is_admin(users["admin"]) and users["admin"].is_staff
    assert is_reviewer(users["reviewer"]) and not is_admin(users["reviewer"])
    assert not is_reviewer(users["alice"])
    for username, password in [("admin", "demo-admin-pass"), ("alice", "demo-alice-pass")]:
        assert users[username].check_password(password)
        assert f"{username}" in output and password in output

    statuses = set(Demonstration.objects.values_list("status", flat=True))
    assert statuses == set(Status.values)
    assert set(Demonstration.objects.values_list("category__key", flat=True)) == set(
        Category.objects.values_list("key", flat=True)
    )
    assert Demonstration.objects.count() >= 24
    assert Revision.objects.count() == Demonstration.objects.count()
    assert not Demonstration.objects.filter(status=Status.DRAFT, submitted_at__isnull=False).exists()
    assert not Demonstration.objects.exclude(status=Status.DRAFT).filter(submitted_at__isnull=True).exists()


def test_every_demo_demonstration_passes_the_submission_rules():
    load_demo()
    for d in Demonstration.objects.select_related("category"):
        check_demonstration(
            category=d.category,
            instruction=d.instruction,
            context=d.context,
            source_url=d.source_url,
            response=d.response,
            complete=True,
            strip=False,
        )


def test_load_demo_twice_changes_nothing():
    load_demo()
    first = counts()
    output = load_demo()
    assert counts() == first
    assert "Demonstrations written: 0" in output


def test_load_demo_resets_the_demo_passwords():
    load_demo()
    alice = get_user_model().objects.get(username="alice")
    alice.set_password("changed-by-alice-1")
    alice.save()
    load_demo()
    alice.refresh_from_db()
    assert alice.check_password("demo-alice-pass")


def test_dry_run_writes_nothing():
    output = load_demo("--dry-run")
    assert "would be created" in output
    assert not get_user_model().objects.exists()
    assert not Demonstration.objects.exists()


def test_load_demo_reaches_its_statuses_through_the_review_services():
    """Every decided demonstration has its reviews and audit entries, and approvals earned points."""
    load_demo()
    decided = Demonstration.objects.filter(
        status__in=[Status.APPROVED, Status.REJECTED, Status.CHANGES_REQUESTED]
    ).select_related("category")
    assert decided.exists()
    decision_of = {
        Status.APPROVED: Review.Decision.APPROVE,
        Status.REJECTED: Review.Decision.REJECT,
        Status.CHANGES_REQUESTED: Review.Decision.REQUEST_CHANGES,
    }
    action_of = {Status.APPROVED: "approve", Status.REJECTED: "reject", Status.CHANGES_REQUESTED: "request_changes"}
    for demonstration in decided:
        decisions = list(demonstration.reviews.values_list("decision", flat=True))
        assert decisions and set(decisions) == {decision_of[demonstration.status]}
        actions = list(demonstration.audit_entries.order_by("id").values_list("action", flat=True))
        assert actions[0] == "submit" and actions[-1] == action_of[demonstration.status]
        assert Notification.objects.filter(demonstration=demonstration, recipient=demonstration.author).exists()
    submitted = Demonstration.objects.exclude(status=Status.DRAFT)
    assert AuditEntry.objects.filter(action="submit").count() == submitted.count()

    contest = Contest.objects.get(slug="demo-sprint")
    assert contest.status == "running" and contest.prizes and contest.category_targets
    approved = Demonstration.objects.filter(status=Status.APPROVED)
    awarded = set(
        PointEntry.objects.filter(contest=contest, reason="approval").values_list("demonstration_id", flat=True)
    )
    assert awarded == set(approved.values_list("pk", flat=True))
    assert Standing.objects.filter(contest=contest, user__username="alice", points__gt=0).exists()
    teams = dict(get_user_model().objects.filter(profile__team__gt="").values_list("username", "profile__team"))
    assert teams == {"alice": "Search", "bob": "Search", "carol": "Support"}
    assert OpenInstruction.objects.filter(state=OpenInstruction.State.OPEN).count() == 2
    assert Demonstration.objects.filter(instruction_author__username="carol", author__username="bob").exists()
