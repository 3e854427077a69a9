"""Admin pages: releases (create, progress, downloads, card) and the upload -> check -> confirm import."""

import hashlib
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotations.models import Demonstration
from datasets import services
from datasets.models import ImportBatch, Release
from datasets.options import ExportOptions

pytestmark = pytest.mark.django_db


@pytest.fixture
def release(approved):
    approved("open_qa", instruction="Why is the sea salty?")
    made = Release.objects.create(filters=ExportOptions().filters_dict(), formats=["jsonl"])
    services.release_build(made.pk)
    made.refresh_from_db()
    return made


def page_urls(release, batch):
    return [
        reverse("datasets:release-list"),
        reverse("datasets:release-create"),
        reverse("datasets:release-detail", args=[release.public_id]),
        reverse("datasets:release-status", args=[release.public_id]),
        reverse("datasets:release-download", args=[release.public_id, "data.jsonl"]),
        reverse("datasets:import-list"),
        reverse("datasets:import-detail", args=[batch.public_id]),
        reverse("datasets:import-status", args=[batch.public_id]),
    ]


@pytest.fixture
def batch(admin_user):
    return ImportBatch.objects.create(
        source_name="x.jsonl", author=admin_user, target_status="approved", status=ImportBatch.State.INVALID
    )


def test_only_admins_see_the_pages(client, client_for, user, reviewer, admin_user, release, batch):
    urls = page_urls(release, batch)
    for url in urls:
        assert client.get(url).status_code == 302, url
    for person in (user, reviewer):
        signed_in = client_for(person)
        for url in urls:
            assert signed_in.get(url).status_code == 403, url
        assert signed_in.post(reverse("datasets:release-create"), {"statuses": ["approved"]}).status_code == 403
        assert signed_in.post(reverse("datasets:import-confirm", args=[batch.public_id])).status_code == 403
    admin = client_for(admin_user)
    for url in urls:
        assert admin.get(url).status_code == 200, url


def test_unknown_ids_and_files_are_404(client_for, admin_user, release):
    admin = client_for(admin_user)
    other = Release.objects.create(filters=ExportOptions().filters_dict(), formats=["jsonl"])
    assert admin.get(reverse("datasets:release-detail", args=[uuid.uuid4()])).status_code == 404
    assert admin.get(reverse("datasets:release-download", args=[release.public_id, "secrets.txt"])).status_code == 404
    assert admin.get(reverse("datasets:release-download", args=[other.public_id, "data.jsonl"])).status_code == 404
    assert admin.get(f"/datasets/{release.public_id}/files/..%2F..%2Fsettings.py").status_code == 404


def test_create_form_queues_a_release_that_builds(client_for, admin_user, approved, django_capture_on_commit_callbacks):
    approved("open_qa", instruction="What is a byte?")
    admin = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            reverse("datasets:release-create"),
            {
                "statuses": ["approved"],
                "formats": ["jsonl", "csv"],
                "seed": "42",
                "test_fraction": "",
            },
        )
    release = Release.objects.get()
    assert response.status_code == 302 and response.url == reverse("datasets:release-detail", args=[release.public_id])
    release.refresh_from_db()
    assert release.status == Release.State.DONE and release.record_count == 1
    assert release.created_by == admin_user
    detail = admin.get(response.url)
    assert b"data.csv" in detail.content and b"Records per category" in detail.content
    assert b"<h3>" in detail.content and b"<script>" not in detail.content
    status = admin.get(reverse("datasets:release-status", args=[release.public_id])).json()
    assert status["status"] == "done" and status["progress"] == 100 and status["finished"]


def test_create_form_shows_errors_by_field(client_for, admin_user):
    response = client_for(admin_user).post(
        reverse("datasets:release-create"),
        {
            "statuses": ["approved"],
            "formats": ["jsonl"],
            "seed": "42",
            "created_from": "2025-02-01",
            "created_to": "2025-01-01",
        },
    )
    assert response.status_code == 200
    assert "created_to" in response.context["form"].errors
    assert Release.objects.count() == 0


def test_download_streams_the_file_with_its_checksum(client_for, admin_user, release):
    response = client_for(admin_user).get(reverse("datasets:release-download", args=[release.public_id, "data.jsonl"]))
    body = b"".join(response.streaming_content)
    entry = release.file_entry("data.jsonl")
    assert hashlib.sha256(body).hexdigest() == entry["sha256"] == response["X-Checksum-SHA256"]
    assert response["Content-Disposition"] == 'attachment; filename="data.jsonl"'


def test_release_list_shows_checksums_and_diff_in_bounded_queries(
    client_for, admin_user, release, django_assert_max_num_queries
):
    for _ in range(5):
        copy = Release.objects.get(pk=release.pk)
        copy.pk = None
        copy.public_id = uuid.uuid4()
        copy.version = None  # each release of a name has its own number
        copy.previous = release
        copy.added_count, copy.removed_count = 3, 1
        copy.save()
    admin = client_for(admin_user)
    with django_assert_max_num_queries(8):
        response = admin.get(reverse("datasets:release-list"))
    assert response.status_code == 200
    assert release.file_entry("data.jsonl")["sha256"].encode() in response.content
    assert b"+3" in response.content and "−1".encode() in response.content


def test_upload_check_confirm_import(client_for, admin_user, fixture_path, django_capture_on_commit_callbacks):
    admin = client_for(admin_user)
    upload = SimpleUploadedFile("dolly.jsonl", fixture_path.read_bytes(), content_type="application/jsonl")
    with django_capture_on_commit_callbacks(execute=False) as check:
        response = admin.post(reverse("datasets:import-list"), {"file": upload, "status": "submitted"})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and batch.status == ImportBatch.State.CHECKING, "checked in the request"
    assert b"Checking the file" in admin.get(response.url).content
    assert len(check) == 1
    check[0]()  # what the worker runs
    batch.refresh_from_db()
    assert batch.status == ImportBatch.State.VALID and batch.line_count == 10
    assert Demonstration.objects.count() == 0
    detail = admin.get(response.url)
    assert b"All 10 lines are valid" in detail.content
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(reverse("datasets:import-confirm", args=[batch.public_id]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.State.DONE and batch.imported_count == 10 and batch.progress == 100
    assert Demonstration.objects.filter(status="submitted").count() == 10
    with django_capture_on_commit_callbacks(execute=True):
        again = admin.post(reverse("datasets:import-confirm", args=[batch.public_id]), follow=True)
    assert b"Only a checked file" in again.content
    assert Demonstration.objects.count() == 10


def test_upload_with_bad_lines_shows_the_report_and_cannot_be_confirmed(
    client_for, admin_user, django_capture_on_commit_callbacks
):
    admin = client_for(admin_user)
    upload = SimpleUploadedFile("bad.jsonl", b'{"instruction": "x"}\nnope\n')
    with django_capture_on_commit_callbacks(execute=True):
        posted = admin.post(reverse("datasets:import-list"), {"file": upload, "status": "approved"})
    response = admin.get(posted.url)
    assert b"bad.jsonl:1: missing key context, response, category" in response.content
    assert b"bad.jsonl:2: not valid JSON" in response.content
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.State.INVALID and batch.problem_count == 2
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(reverse("datasets:import-confirm", args=[batch.public_id]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.State.INVALID and Demonstration.objects.count() == 0


def test_upload_with_unknown_author_is_a_form_error(client_for, admin_user):
    upload = SimpleUploadedFile("x.jsonl", b"{}\n")
    response = client_for(admin_user).post(
        reverse("datasets:import-list"), {"file": upload, "status": "approved", "author": "ghost"}
    )
    assert response.status_code == 200 and "author" in response.context["form"].errors
    assert ImportBatch.objects.count() == 0


def test_a_release_summary_names_the_statuses_in_the_readers_language(client_for, admin_user, release):
    admin = client_for(admin_user)
    page = admin.get(reverse("datasets:release-detail", args=[release.public_id]), HTTP_ACCEPT_LANGUAGE="fr")
    listing = admin.get(reverse("datasets:release-list"), HTTP_ACCEPT_LANGUAGE="fr")
    for answer in (page, listing):
        summary = answer.content.decode().split('class="filter-summary"')[1].split("</ul>")[0]
        assert "Approuvée" in summary, summary
        assert "approved" not in summary


def test_a_french_release_summary_puts_a_non_breaking_space_before_each_colon(client_for, admin_user, release):
    page = client_for(admin_user).get(
        reverse("datasets:release-detail", args=[release.public_id]), HTTP_ACCEPT_LANGUAGE="fr"
    )
    summary = page.content.decode().split('class="filter-summary"')[1].split("</ul>")[0]
    assert "statut\u00a0: " in summary and "catégories\u00a0: " in summary, summary
    assert "statut:" not in summary and "statut :" not in summary
