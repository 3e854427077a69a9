"""Release bundles: dataset card, licence, manifest and checksums, diff, and atomic failure."""

import hashlib
import json
import os

import pytest
from django.core.files.storage import default_storage
from django.core.management.base import CommandError
from django.utils import timezone

from annotations.models import Category, Demonstration, Status
from datasets import formatters, services, sources
from datasets.card import LICENSE_TEXT
from datasets.models import Release
from datasets.options import ExportOptions
from datasets.writers import PARTIAL_MARK

pytestmark = pytest.mark.django_db


def new_release(**filters):
    formats = filters.pop("formats", ["jsonl"])
    options = ExportOptions.from_dict(filters, formats=formats)
    return Release.objects.create(filters=options.filters_dict(), formats=list(options.formats))


def built(**filters):
    release = new_release(**filters)
    services.release_build(release.pk)
    release.refresh_from_db()
    return release


def stored(release, name):
    with default_storage.open(f"{release.storage_prefix}/{name}", "rb") as handle:
        return handle.read()


def files_on_disk(media_root, release):
    folder = media_root / "releases" / str(release.public_id)
    return sorted(os.listdir(folder)) if folder.exists() else []


@pytest.fixture
def mixed(approved):
    for i in range(3):
        approved("open_qa", instruction=f"open {i}", response="r" * (10 + i))
    for i in range(2):
        approved("closed_qa", instruction=f"closed {i}", context="c" * 100)
    approved("creative_writing", instruction="poem", response="A short poem.")
    approved("open_qa", instruction="not approved", status=Status.SUBMITTED)


def test_bundle_holds_data_card_licence_hashes_and_manifest(mixed, media_root):
    release = built(formats=["jsonl", "parquet", "csv"])
    assert release.status == Release.State.DONE, release.error
    names = [entry["name"] for entry in release.files]
    assert names == [
        "data.jsonl",
        "data.parquet",
        "data.csv",
        "record-hashes.txt",
        "README.md",
        "LICENSE",
        "manifest.json",
    ]
    assert files_on_disk(media_root, release) == sorted(names)
    for entry in release.files:
        content = stored(release, entry["name"])
        assert entry["size"] == len(content)
        assert entry["sha256"] == hashlib.sha256(content).hexdigest()
    manifest = json.loads(stored(release, "manifest.json"))
    assert manifest == release.manifest
    assert manifest["record_count"] == 6 == release.record_count
    assert manifest["filters"]["statuses"] == ["approved"]
    assert [f["name"] for f in manifest["files"]] == names[:-1]
    assert stored(release, "LICENSE").decode() == LICENSE_TEXT
    assert all(entry["records"] == 6 for entry in release.files if entry["role"] == "data")


def test_dataset_card_counts_and_header(mixed):
    release = built(test_fraction=0.5, seed=3)
    card = stored(release, "README.md").decode()
    assert card == release.card
    header = card.split("---")[1]
    assert "license: cc-by-sa-3.0" in header and "- question-answering" in header and "- text-generation" in header
    assert "size_categories:\n- n<1K" in header
    assert "| `open_qa` | 3 | 1 | 2 | 6 / 6 | 0 / 0 | 11 / 12 |" in card
    assert "| `closed_qa` | 2 | 1 | 1 |" in card
    assert "| `creative_writing` | 1 | 1 | 0 |" in card
    assert release.counts["categories"] == {"closed_qa": 2, "creative_writing": 1, "open_qa": 3}
    assert release.counts["splits"]["test"] == {"closed_qa": 1, "creative_writing": 1, "open_qa": 1}
    guidelines = Category.objects.get(key="closed_qa").guidelines.strip()
    assert guidelines in card
    assert Category.objects.get(key="summarization").name not in card.split("## Category guidelines")[1]
    assert "## Attribution" in card and "## Known limitations" in card


def test_record_hash_list_is_sorted_and_complete(mixed):
    release = built()
    hashes = stored(release, "record-hashes.txt").decode().split()
    assert len(hashes) == 6 and hashes == sorted(hashes) and all(len(h) == 16 for h in hashes)


def test_diff_against_the_previous_release(mixed, approved):
    first = built()
    assert first.previous is None and first.added_count is None
    approved("brainstorming", instruction="new idea")
    approved("brainstorming", instruction="another idea")
    Demonstration.objects.filter(instruction="open 0").update(status=Status.REJECTED)
    Release.objects.filter(pk=first.pk).update(created_at=timezone.now() - timezone.timedelta(minutes=5))
    second = built()
    assert second.previous == first
    assert (second.added_count, second.removed_count) == (2, 1)
    assert second.manifest["diff"] == {"previous_release": str(first.public_id), "added": 2, "removed": 1}


class ExplodingFormatter(formatters.JsonlFormatter):
    """Fails after writing some rows, as a full disk or a killed worker would."""

    def write(self, records):
        super().write(records)
        self.written = getattr(self, "written", 0) + len(records)
        if self.written >= 4:
            raise OSError("No space left on device")


def test_a_failing_build_is_marked_failed_and_leaves_no_file(mixed, media_root, monkeypatch):
    monkeypatch.setattr(sources, "CHUNK_SIZE", 2)
    monkeypatch.setitem(formatters.FORMATTERS, "jsonl", ExplodingFormatter)
    release = built()
    assert release.status == Release.State.FAILED
    assert "No space left on device" in release.error
    assert release.files == []
    assert files_on_disk(media_root, release) == []


def test_a_finished_release_is_not_built_again(mixed, media_root):
    release = built()
    before = stored(release, "data.jsonl")
    Demonstration.objects.update(status=Status.REJECTED)
    assert services.release_build(release.pk) == Release.State.DONE
    release.refresh_from_db()
    assert release.attempt == 1 and stored(release, "data.jsonl") == before


def test_an_interrupted_build_is_rebuilt_from_scratch(mixed, media_root):
    release = new_release()
    Release.objects.filter(pk=release.pk).update(status=Release.State.RUNNING, attempt=1)
    folder = media_root / "releases" / str(release.public_id)
    folder.mkdir(parents=True)
    (folder / f".data.jsonl{PARTIAL_MARK}abc").write_text("half a fi")
    (folder / "README.md").write_text("left by the dead build")
    assert services.release_build(release.pk) == Release.State.DONE
    release.refresh_from_db()
    assert release.attempt == 2
    assert files_on_disk(media_root, release) == sorted(e["name"] for e in release.files)
    assert stored(release, "README.md").decode() == release.card


def test_stalled_running_releases_are_failed_and_cleared(media_root, settings):
    release = new_release()
    long_ago = timezone.now() - timezone.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 3600)
    Release.objects.filter(pk=release.pk).update(status=Release.State.RUNNING, attempt=1, started_at=long_ago)
    folder = media_root / "releases" / str(release.public_id)
    folder.mkdir(parents=True)
    (folder / "data.jsonl").write_text("partial")
    recent = new_release()
    Release.objects.filter(pk=recent.pk).update(status=Release.State.RUNNING, attempt=1, started_at=timezone.now())
    assert services.jobs_fail_stale() == 1
    release.refresh_from_db()
    recent.refresh_from_db()
    assert release.status == Release.State.FAILED and recent.status == Release.State.RUNNING
    assert files_on_disk(media_root, release) == []


def test_a_failing_command_line_export_leaves_no_file(mixed, tmp_path, monkeypatch, run_command):
    monkeypatch.setattr(sources, "CHUNK_SIZE", 2)
    monkeypatch.setitem(formatters.FORMATTERS, "jsonl", ExplodingFormatter)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(CommandError, match="No space left"):
        run_command("export_dataset", "--out", str(out / "data.jsonl"))
    assert os.listdir(out) == []


def test_bundle_from_the_command_line(mixed, tmp_path, run_command):
    out = tmp_path / "bundle"
    run_command("export_dataset", "--out", str(out), "--bundle", "--split", "test=0.5")
    names = sorted(os.listdir(out))
    assert names == ["LICENSE", "README.md", "manifest.json", "record-hashes.txt", "test.jsonl", "train.jsonl"]
    manifest = json.loads((out / "manifest.json").read_text())
    for entry in manifest["files"]:
        assert hashlib.sha256((out / entry["name"]).read_bytes()).hexdigest() == entry["sha256"]
