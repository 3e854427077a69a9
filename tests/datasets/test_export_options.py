"""One schema for the export options: the form, the API, the command and stored releases say the same.

Drafts are private to their author: no caller can ever export one.
"""

import pytest
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.urls import reverse

from annotations.models import Status
from datasets import services
from datasets.forms import ReleaseForm
from datasets.models import Release
from datasets.options import ExportOptions, ExportOptionsSerializer

pytestmark = pytest.mark.django_db

DRAFT_MESSAGE = "Drafts are private to their author and are never exported."


@pytest.fixture
def a_draft(approved):
    approved("open_qa", instruction="An approved question?")
    return approved("open_qa", instruction="My private draft?", status=Status.DRAFT)


def test_the_api_refuses_drafts_with_a_400_naming_the_field(api_for, admin_user, a_draft):
    response = api_for(admin_user).post(reverse("api:export-list"), {"statuses": ["approved", "draft"]}, format="json")
    assert response.status_code == 400
    assert DRAFT_MESSAGE in str(response.data["statuses"])
    assert Release.objects.count() == 0


def test_the_form_refuses_drafts_on_the_field(client_for, admin_user, a_draft):
    admin = client_for(admin_user)
    page = admin.get(reverse("datasets:release-create"))
    assert 'value="draft"' not in page.content.decode()
    response = admin.post(reverse("datasets:release-create"), {"statuses": ["draft"], "formats": ["jsonl"]})
    assert response.status_code == 200
    assert response.context["form"].errors["statuses"] == [DRAFT_MESSAGE]
    assert Release.objects.count() == 0


def test_the_command_refuses_drafts(run_command, tmp_path, a_draft):
    out = tmp_path / "x.jsonl"
    with pytest.raises(CommandError, match=f"statuses: {DRAFT_MESSAGE}"):
        run_command("export_dataset", "--out", str(out), "--status", "draft")
    assert not out.exists()


def test_a_stored_release_asking_for_drafts_fails_without_files(a_draft):
    release = Release.objects.create(filters={"statuses": ["approved", "draft"]}, formats=["jsonl"])
    assert services.release_build(release.pk) == Release.State.FAILED
    release.refresh_from_db()
    assert DRAFT_MESSAGE in release.error and release.files == []


def test_options_built_in_code_cannot_ask_for_drafts():
    with pytest.raises(ValidationError) as error:
        ExportOptions(statuses=("approved", "draft"))
    assert error.value.message_dict == {"statuses": [DRAFT_MESSAGE]}


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"test_fraction": 0}, "test_fraction"),
        ({"seed": True}, "seed"),
        ({"dedupe": 1}, "dedupe"),
        ({"near_duplicate_threshold": True, "dedupe": True}, "near_duplicate_threshold"),
        ({"statuses": []}, "statuses"),
    ],
)
def test_the_same_refusal_everywhere(filters, field, api_for, admin_user):
    """A value the schema refuses is refused by name through the API and from stored filters alike."""
    response = api_for(admin_user).post(reverse("api:export-list"), filters, format="json")
    assert response.status_code == 400 and field in response.data
    with pytest.raises(ValidationError) as error:
        ExportOptions.from_dict(filters)
    assert field in error.value.message_dict


def test_the_form_and_the_command_give_the_schema_its_values(run_command, tmp_path, approved):
    approved("open_qa", instruction="Open?")
    form = ReleaseForm(
        {"statuses": ["approved", "submitted"], "formats": ["csv", "jsonl"], "seed": "7", "test_fraction": "0.25"}
    )
    assert form.is_valid(), form.errors
    direct = ExportOptionsSerializer(
        data={"statuses": ["submitted", "approved"], "formats": ["jsonl", "csv"], "seed": 7, "test_fraction": 0.25}
    )
    assert direct.is_valid(), direct.errors
    assert form.cleaned_data["options"] == direct.options()
    bad = ReleaseForm({"statuses": ["approved"], "formats": ["jsonl"], "seed": "-1", "test_fraction": "2"})
    assert not bad.is_valid()
    assert set(bad.errors) == {"seed", "test_fraction"}
    with pytest.raises(CommandError, match="seed: The seed must be a whole number"):
        run_command("export_dataset", "--out", str(tmp_path / "x.jsonl"), "--seed", "-1")
    with pytest.raises(CommandError, match="formats:"):
        run_command("export_dataset", "--out", str(tmp_path / "x.jsonl"), "--format", "xlsx")
