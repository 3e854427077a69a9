"""Submitting and deleting are audited with their actor; the Django admin deletes nothing a contributor wrote."""

import pytest
from django.urls import reverse

from annotations import services
from annotations.models import AuditEntry, Demonstration, Status
from tests.factories import DemonstrationFactory, category

pytestmark = pytest.mark.django_db


def draft(author):
    demonstration, _ = services.demonstration_create(
        author=author,
        category=category("open_qa"),
        instruction="Why is the sea salty?",
        response="Rivers carry dissolved minerals into the sea, and evaporation leaves the salt behind.",
    )
    return demonstration


def actions(demonstration_public_id):
    return [
        (entry.action, entry.actor_id, entry.before.get("status"), entry.after.get("status"))
        for entry in AuditEntry.objects.filter(demonstration_public_id=demonstration_public_id).order_by("id")
    ]


def test_submitting_a_draft_records_who_submitted_it(user):
    demonstration = draft(user)
    services.demonstration_submit(demonstration=demonstration, actor=user)
    assert actions(demonstration.public_id) == [("submit", user.pk, "draft", "submitted")]
    services.demonstration_submit(demonstration=demonstration, actor=user)
    assert len(actions(demonstration.public_id)) == 1, "a repeated submit is not a second submission"


def test_submitting_on_create_and_on_edit_is_audited(user):
    created, _ = services.demonstration_create(
        author=user,
        category=category("open_qa"),
        instruction="Name three rivers.",
        response="The Loire, the Rhine and the Danube.",
        submit=True,
    )
    assert actions(created.public_id) == [("submit", user.pk, None, "submitted")]
    demonstration = draft(user)
    services.demonstration_update(demonstration=demonstration, editor=user, expected_version=1, changes={}, submit=True)
    assert actions(demonstration.public_id) == [("submit", user.pk, "draft", "submitted")]


def test_deleting_a_draft_leaves_an_audit_entry_with_its_id(user):
    demonstration = draft(user)
    public_id = demonstration.public_id
    services.demonstration_delete(demonstration=demonstration, actor=user, expected_version=demonstration.version)
    assert not Demonstration.objects.filter(public_id=public_id).exists()
    entry = AuditEntry.objects.get(demonstration_public_id=public_id)
    assert (entry.action, entry.actor_id, entry.demonstration_id, entry.before["status"]) == (
        "delete",
        user.pk,
        None,
        "draft",
    )


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.APPROVED, Status.REJECTED, Status.DRAFT])
def test_the_admin_cannot_delete_a_demonstration(client_for, admin_user, user, status):
    demonstration = DemonstrationFactory(author=user, status=status)
    client = client_for(admin_user)
    delete_page = reverse("admin:annotations_demonstration_delete", args=[demonstration.pk])
    assert client.get(delete_page).status_code == 403
    assert client.post(delete_page, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:annotations_demonstration_changelist")
    page = client.get(changelist)
    assert page.status_code == 200
    assert b'value="delete_selected"' not in page.content
    client.post(changelist, {"action": "delete_selected", "_selected_action": [demonstration.pk], "post": "yes"})
    assert Demonstration.objects.filter(pk=demonstration.pk, status=status).exists()
    assert not AuditEntry.objects.filter(action="delete").exists()
