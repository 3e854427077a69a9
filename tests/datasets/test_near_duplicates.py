"""Dedupe in exports leaves out exact and near duplicates; imported records are indexed for the duplicate checks."""

import datetime
import hashlib
import json

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from annotations import quality
from annotations import services as demonstration_services
from annotations.models import Category, Demonstration, InstructionBand, Origin, QualityFlag, Status
from annotations.text import minhash_bands
from datasets import bulk, services, sources
from datasets.duplicates import NearDuplicates
from datasets.models import ImportBatch, ImportedRecord, Release
from datasets.options import ExportOptions
from datasets.services import export_to_path
from datasets.sources import selected_demonstrations, selection_filters
from leaderboard.models import Contest
from tests.factories import category

from .conftest import read_jsonl

pytestmark = pytest.mark.django_db

SALTY = "Why is the sea salty and not fresh like rivers?"
SALTY_REWORDED = "Why is the sea so salty and not fresh like the rivers?"  # trigram similarity 0.96
FRANCE = "What is the capital of France?"
SPAIN = "What is the capital of Spain?"  # 0.64 to FRANCE: a different question
PASSAGE = "The Aller is a river in Lower Saxony that joins the Weser near Verden."
OTHER_PASSAGE = "Rayleigh scattering is the scattering of light by particles much smaller than its wavelength."
START = timezone.make_aware(datetime.datetime(2025, 1, 1, 9))


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    """Several chunks even for a handful of records, so candidates in earlier chunks are exercised."""
    monkeypatch.setattr(sources, "CHUNK_SIZE", 2)


@pytest.fixture
def at(approved):
    """``at(minute, instruction=...)``: an approved record created ``minute`` minutes after START."""

    def make(minute, key="open_qa", **fields):
        record = approved(key, **fields)
        Demonstration.objects.filter(pk=record.pk).update(created_at=START + datetime.timedelta(minutes=minute))
        return record

    return make


def export(tmp_path, name="out", **filters):
    folder = tmp_path / name
    folder.mkdir()
    result = export_to_path(ExportOptions.from_dict(filters), folder)
    return [r["instruction"] for r in read_jsonl(folder / "data.jsonl")], result


def submit(author, instruction, *, key="open_qa", context="", source_url=""):
    demonstration, _ = demonstration_services.demonstration_create(
        author=author,
        category=category(key),
        instruction=instruction,
        context=context,
        source_url=source_url,
        response="Rivers carry minerals into the sea, where evaporation concentrates them.",
        origin=Origin.WEB,
        submit=True,
    )
    return demonstration


class TestNearDuplicatesInExports:
    def test_a_reworded_copy_is_left_out_and_distinct_records_are_kept(self, at, tmp_path):
        at(1, instruction=SALTY)
        at(2, instruction=FRANCE)
        at(3, instruction=SALTY_REWORDED)
        at(4, instruction=SPAIN)
        instructions, result = export(tmp_path, dedupe=True)
        assert instructions == [SALTY, FRANCE, SPAIN]
        assert result.counts["skipped"] == {"duplicates": 0, "near_duplicates": 1}
        assert result.record_count == 3

    def test_without_dedupe_near_copies_stay(self, at, tmp_path):
        at(1, instruction=SALTY)
        at(2, instruction=SALTY_REWORDED)
        instructions, result = export(tmp_path)
        assert instructions == [SALTY, SALTY_REWORDED]
        assert result.counts["skipped"] == {"duplicates": 0, "near_duplicates": 0}

    def test_the_earliest_is_kept_whatever_the_ids(self, at, tmp_path):
        at(9, instruction=SALTY)
        at(1, instruction=SALTY_REWORDED)
        assert export(tmp_path, dedupe=True)[0] == [SALTY_REWORDED]

    def test_same_created_time_is_ordered_by_id(self, at, tmp_path):
        first = at(5, instruction=SALTY_REWORDED)
        at(5, instruction=SALTY)
        assert export(tmp_path, dedupe=True)[0] == [first.instruction]

    def test_exact_and_near_duplicates_are_counted_apart(self, at, tmp_path):
        at(1, instruction=SALTY, response="Minerals.")
        at(2, instruction="why is the SEA salty and not fresh like rivers?", response="minerals.")
        at(3, instruction=SALTY_REWORDED, response="Minerals.")
        at(4, instruction=SALTY, response="Something else entirely.")
        instructions, result = export(tmp_path, dedupe=True)
        assert instructions == [SALTY]
        assert result.counts["skipped"] == {"duplicates": 1, "near_duplicates": 2}

    def test_records_with_a_reference_text_are_duplicates_only_on_the_same_text(self, at, tmp_path):
        at(1, "summarization", instruction="Summarise this passage in two sentences.", context=PASSAGE)
        at(2, "summarization", instruction="Summarise this passage in two sentences.", context=OTHER_PASSAGE)
        at(3, "summarization", instruction="Summarise the passage in two sentences.", context=PASSAGE)
        at(4, "closed_qa", instruction="Where does the Aller join the Weser?", context=PASSAGE)
        instructions, result = export(tmp_path, dedupe=True)
        assert instructions == [
            "Summarise this passage in two sentences.",
            "Summarise this passage in two sentences.",
            "Where does the Aller join the Weser?",
        ]
        assert result.counts["skipped"]["near_duplicates"] == 1

    def test_only_earlier_records_of_the_same_export_count(self, at, tmp_path):
        rejected = at(1, instruction=SALTY, status=Status.REJECTED)
        flagged = at(2, instruction=FRANCE)
        QualityFlag.objects.create(demonstration=flagged, kind=QualityFlag.Kind.PERSONAL_DATA)
        at(3, instruction=SALTY_REWORDED)
        at(4, instruction="What is the capital of France ?")
        assert export(tmp_path, "a", dedupe=True, exclude_flagged=True)[0] == [
            SALTY_REWORDED,
            "What is the capital of France ?",
        ]
        assert export(tmp_path, "b", dedupe=True)[0] == [FRANCE, SALTY_REWORDED]
        assert rejected.status == Status.REJECTED
        assert export(tmp_path, "c", dedupe=True, statuses=["approved", "rejected"])[0] == [SALTY, FRANCE]

    def test_earlier_records_outside_the_filters_do_not_count(self, at, tmp_path):
        at(1, "brainstorming", instruction=SALTY)
        at(2, instruction=FRANCE)
        Demonstration.objects.filter(instruction=FRANCE).update(
            created_at=timezone.make_aware(datetime.datetime(2024, 12, 1, 9))
        )
        at(3, instruction=SALTY_REWORDED)
        at(4, instruction="What is the capital of France ?")
        assert export(tmp_path, "a", dedupe=True, categories=["open_qa"], created_from="2025-01-01")[0] == [
            SALTY_REWORDED,
            "What is the capital of France ?",
        ]
        assert export(tmp_path, "b", dedupe=True)[0] == [FRANCE, SALTY]
        start = START - datetime.timedelta(days=1)
        contest = Contest.objects.create(
            name="Winter", slug="winter", starts_at=start, ends_at=start + datetime.timedelta(days=30)
        )
        contest.categories.set(Category.objects.filter(key="open_qa"))
        Demonstration.objects.update(submitted_at=START)
        assert export(tmp_path, "c", dedupe=True, contest="winter")[0] == [FRANCE, SALTY_REWORDED]

    def test_a_record_that_was_left_out_still_counts_as_earlier(self, at, tmp_path):
        """Decided by the data alone: each record is compared with every earlier selected one, kept or not."""
        at(1, instruction="Name three rivers that flow into the Baltic Sea.")
        at(2, instruction="Name three rivers that flow into the Baltic Sea please.")
        at(3, instruction="Name three large rivers that flow into the Baltic Sea please.")
        instructions, result = export(tmp_path, dedupe=True)
        assert instructions == ["Name three rivers that flow into the Baltic Sea."]
        assert result.counts["skipped"]["near_duplicates"] == 2

    def test_the_same_data_gives_the_same_bytes_whatever_the_chunk_size(self, at, tmp_path, monkeypatch):
        for minute, instruction in enumerate([SALTY, FRANCE, SALTY_REWORDED, SPAIN, SALTY, FRANCE + "!"]):
            at(minute, instruction=instruction, response=f"Answer {minute}.")
        first, _ = export(tmp_path, "first", dedupe=True)
        second, _ = export(tmp_path, "second", dedupe=True)
        monkeypatch.setattr(sources, "CHUNK_SIZE", 2000)
        third, _ = export(tmp_path, "third", dedupe=True)
        digests = {
            hashlib.sha256((tmp_path / name / "data.jsonl").read_bytes()).hexdigest()
            for name in ("first", "second", "third")
        }
        assert len(digests) == 1
        assert first == second == third == [SALTY, FRANCE, SPAIN]

    def test_records_without_bands_are_indexed_before_the_export(self, at, tmp_path):
        at(1, instruction=SALTY)
        at(2, instruction=SALTY_REWORDED)
        assert InstructionBand.objects.count() == 0
        assert export(tmp_path, dedupe=True)[0] == [SALTY]
        for record in Demonstration.objects.all():
            stored = set(InstructionBand.objects.filter(demonstration=record).values_list("value", flat=True))
            assert stored == set(minhash_bands(record.instruction))

    def test_drafts_count_as_lacking_bands_and_are_never_exported(self, at, tmp_path):
        at(1, instruction=SALTY)
        draft = at(2, instruction="Something unrelated about volcanoes.", status=Status.DRAFT)
        quality.index_instruction_bands(Demonstration.objects.all())
        assert list(quality.lacking_bands(Demonstration.objects.all())) == [draft]
        with pytest.raises(ValidationError) as error:
            export(tmp_path, "a", dedupe=True, statuses=["approved", "draft"])
        assert "statuses" in error.value.message_dict

    def test_each_chunk_costs_a_bounded_number_of_queries(self, at):
        for minute in range(12):
            at(minute, instruction=SALTY if minute % 2 else f"{SALTY_REWORDED} {minute}")
        options = ExportOptions.from_dict({"dedupe": True})
        sources.DemonstrationSource(options).prepare()
        rows = list(selected_demonstrations(options).values_list("id", "created_at", "context_hash", "instruction"))
        finder = NearDuplicates(lambda prefix, pk_ref: selection_filters(options, prefix, pk_ref), 0.8)
        assert len(finder.find(rows[:6])) == 5  # the chunks in export order, from the first
        with CaptureQueriesContext(connection) as queries:
            found = finder.find(rows[6:])
        assert len(found) == 6
        assert len(queries) <= 4


class TestThresholdAndOptions:
    def test_the_threshold_is_recorded_with_the_filters(self, settings):
        settings.DOLLY_NEAR_DUPLICATE_THRESHOLD = 0.9
        assert ExportOptions.from_dict({"dedupe": True}).filters_dict()["near_duplicate_threshold"] == 0.9
        assert ExportOptions(dedupe=True).filters_dict()["near_duplicate_threshold"] == 0.9
        assert ExportOptions.from_dict({}).filters_dict()["near_duplicate_threshold"] is None

    def test_a_stored_release_keeps_its_threshold(self, at, settings):
        at(1, instruction="Give me three ideas for a rainy afternoon at home.")
        at(2, instruction="Give me three ideas for a rainy afternoon at home with kids.")
        options = ExportOptions.from_dict({"dedupe": True})
        release = Release.objects.create(filters=options.filters_dict(), formats=["jsonl"])
        settings.DOLLY_NEAR_DUPLICATE_THRESHOLD = 0.99
        services.release_build(release.pk)
        release.refresh_from_db()
        assert release.status == Release.State.DONE, release.error
        assert release.filters["near_duplicate_threshold"] == 0.8
        assert release.counts["skipped"]["near_duplicates"] == 1 and release.record_count == 1

    @pytest.mark.parametrize("value", [0, 1.5, "high", True])
    def test_a_bad_threshold_is_refused_by_name(self, value):
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError) as error:
            ExportOptions.from_dict({"dedupe": True, "near_duplicate_threshold": value})
        assert "near_duplicate_threshold" in error.value.message_dict


class TestOptionEverywhere:
    @pytest.fixture
    def copies(self, at):
        at(1, instruction=SALTY, response="Minerals.")
        at(2, instruction=SALTY, response="Minerals.")
        at(3, instruction=SALTY_REWORDED)
        at(4, instruction=FRANCE)

    def test_command_line(self, copies, tmp_path, run_command):
        out = tmp_path / "data.jsonl"
        stdout, _ = run_command("export_dataset", "--out", str(out), "--dedupe")
        assert [r["instruction"] for r in read_jsonl(out)] == [SALTY, FRANCE]
        assert "Left out 1 exact and 1 near duplicates." in stdout
        stdout, _ = run_command("export_dataset", "--out", str(out))
        assert len(read_jsonl(out)) == 4 and "Left out" not in stdout

    def test_command_line_bundle_manifest_and_card(self, copies, tmp_path, run_command):
        run_command("export_dataset", "--out", str(tmp_path / "bundle"), "--bundle", "--dedupe")
        manifest = json.loads((tmp_path / "bundle" / "manifest.json").read_text())
        assert manifest["filters"]["dedupe"] is True and manifest["filters"]["near_duplicate_threshold"] == 0.8
        assert manifest["counts"]["skipped"] == {"duplicates": 1, "near_duplicates": 1}
        card = (tmp_path / "bundle" / "README.md").read_text()
        assert "| Exact and near duplicates removed | yes |" in card
        assert "| Near duplicate: instruction trigram similarity at least | 0.8 |" in card
        assert "1 exact duplicates" in card and "1 near duplicates were left out" in card

    def test_release_form(self, copies, client_for, admin_user, django_capture_on_commit_callbacks):
        admin = client_for(admin_user)
        form = admin.get(reverse("datasets:release-create"))
        assert b"Leave out exact and near duplicates" in form.content and b"at least 80% similar" in form.content
        with django_capture_on_commit_callbacks(execute=True):
            response = admin.post(
                reverse("datasets:release-create"),
                {
                    "statuses": ["approved"],
                    "formats": ["jsonl"],
                    "seed": "42",
                    "dedupe": "on",
                },
            )
        release = Release.objects.get()
        assert release.status == Release.State.DONE, release.error
        assert release.filters["dedupe"] is True and release.filters["near_duplicate_threshold"] == 0.8
        assert release.record_count == 2
        assert release.counts["skipped"] == {"duplicates": 1, "near_duplicates": 1}
        assert release.manifest["filters"] == release.filters
        assert "1 near duplicates were left out" in release.card
        assert b"exact and near duplicates left out" in admin.get(response.url).content

    def test_api(self, copies, api_for, admin_user, django_capture_on_commit_callbacks):
        api = api_for(admin_user)
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(reverse("api:export-list"), {"dedupe": True}, format="json")
        assert response.status_code == 202, response.data
        body = api.get(reverse("api:export-detail", kwargs={"id": response.data["id"]})).json()
        assert body["status"] == "done" and body["record_count"] == 2
        assert body["filters"]["dedupe"] is True and body["filters"]["near_duplicate_threshold"] == 0.8
        assert body["counts"]["skipped"] == {"duplicates": 1, "near_duplicates": 1}


class TestImportedRecordsAreIndexed:
    LINES = [
        {"instruction": SALTY, "context": "", "response": "Minerals from rivers.", "category": "open_qa"},
        {"instruction": FRANCE, "context": "", "response": "Paris.", "category": "open_qa"},
        {
            "instruction": "Where does the Aller join the Weser?",
            "context": PASSAGE,
            "response": "Near Verden.",
            "category": "closed_qa",
        },
    ]

    def bands_by_record(self):
        stored = {}
        for pk, value in InstructionBand.objects.values_list("demonstration_id", "value"):
            stored.setdefault(pk, set()).add(value)
        return stored

    def test_the_command_indexes_and_a_later_near_copy_is_flagged(self, write_jsonl, run_command, user):
        out, _ = run_command("import_dataset", str(write_jsonl(self.LINES)))
        assert "Imported 3 records" in out
        assert "Indexed 3 imported records for duplicate checks" in out
        imported = {d.instruction: d for d in Demonstration.objects.all()}
        assert self.bands_by_record() == {d.pk: set(minhash_bands(d.instruction)) for d in imported.values()}
        later = submit(user, SALTY_REWORDED)
        flag = QualityFlag.objects.get(demonstration=later, kind=QualityFlag.Kind.NEAR_DUPLICATE)
        assert flag.other_id == imported[SALTY].pk
        assert not QualityFlag.objects.filter(
            demonstration=submit(user, SPAIN), kind=QualityFlag.Kind.NEAR_DUPLICATE
        ).exists()

    def test_skip_indexing_then_refresh_the_missing_bands(self, write_jsonl, run_command, user):
        out, _ = run_command("import_dataset", str(write_jsonl(self.LINES)), "--skip-indexing")
        assert "Not indexed for duplicate checks (--skip-indexing)" in out and "Indexed" not in out
        assert InstructionBand.objects.count() == 0
        out, _ = run_command("refresh_instruction_bands", "--missing")
        assert "Indexed 3 demonstrations." in out
        assert len(self.bands_by_record()) == 3
        out, _ = run_command("refresh_instruction_bands", "--missing")
        assert "Indexed 0 demonstrations." in out
        later = submit(user, SALTY_REWORDED)
        assert QualityFlag.objects.filter(demonstration=later, kind=QualityFlag.Kind.NEAR_DUPLICATE).exists()

    def _queued_upload(self, admin_user, write_jsonl):
        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage

        batch = ImportBatch.objects.create(
            source_name="up.jsonl",
            author=admin_user,
            target_status="approved",
            status=ImportBatch.State.QUEUED,
            line_count=3,
        )
        batch.stored_name = default_storage.save("imports/up.jsonl", ContentFile(write_jsonl(self.LINES).read_bytes()))
        batch.save()
        return batch

    def test_an_upload_is_indexed_in_the_same_transaction_as_its_import(
        self, admin_user, write_jsonl, django_capture_on_commit_callbacks
    ):
        from django.core.files.storage import default_storage

        batch = self._queued_upload(admin_user, write_jsonl)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            assert services.import_run(batch.pk) == ImportBatch.State.DONE
        assert len(callbacks) == 1, "only the upload's removal waits for the commit: nothing is left for a task"
        assert len(self.bands_by_record()) == 3
        callbacks[0]()
        assert not default_storage.exists("imports/up.jsonl")

    def test_an_upload_whose_indexing_fails_imports_nothing(self, admin_user, write_jsonl, monkeypatch):
        batch = self._queued_upload(admin_user, write_jsonl)

        def lost(*bands):
            raise RuntimeError("the worker lost its database connection while indexing")

        monkeypatch.setattr(bulk, "bands_of", lost)
        assert services.import_run(batch.pk) == ImportBatch.State.FAILED
        batch.refresh_from_db()
        assert "Nothing was imported" in batch.error and batch.imported_count == 0
        assert Demonstration.objects.count() == 0 and ImportedRecord.objects.count() == 0
        assert InstructionBand.objects.count() == 0
        assert batch.stored_name, "kept, so that the import can be confirmed again"

    def test_only_the_batch_records_are_indexed_and_running_again_is_harmless(self, write_jsonl, run_command, approved):
        unrelated = approved(instruction="Left alone: not part of the import.")
        run_command("import_dataset", str(write_jsonl(self.LINES)), "--skip-indexing")
        batch = ImportBatch.objects.get()
        assert services.import_index_records(batch.pk) == 3
        assert services.import_index_records(batch.pk) == 3
        stored = self.bands_by_record()
        assert set(stored) == set(ImportedRecord.objects.values_list("demonstration_id", flat=True))
        assert unrelated.pk not in stored and InstructionBand.objects.count() == 3 * 16

    def test_a_failed_import_indexes_nothing(self, admin_user):
        batch = ImportBatch.objects.create(
            source_name="x.jsonl", author=admin_user, target_status="approved", status=ImportBatch.State.FAILED
        )
        assert services.import_index_records(batch.pk) == 0

    def test_imported_records_are_near_deduplicated_in_exports(self, write_jsonl, run_command, tmp_path):
        lines = self.LINES + [{**self.LINES[0], "instruction": SALTY_REWORDED}]
        run_command("import_dataset", str(write_jsonl(lines)))
        instructions, result = export(tmp_path, dedupe=True)
        assert instructions == [SALTY, FRANCE, "Where does the Aller join the Weser?"]
        assert result.counts["skipped"]["near_duplicates"] == 1


def test_the_bands_written_for_a_submission_are_those_of_its_text(user):
    """The faster band computation keeps the stored values: a change would need every band recomputed."""
    record = submit(user, "Why is the sky blue?")
    stored = set(InstructionBand.objects.filter(demonstration=record).values_list("value", flat=True))
    bands = minhash_bands("Why is the sky blue?")
    assert bands[:2] == [4290504869986559413, 1222530833432106127]
    assert stored == set(bands) and len(bands) == 16


def test_seen_keys_remember_every_key_across_runs():
    seen = sources.SeenKeys(run_size=3)
    assert seen.first_seen([5, 2**64 - 1, 5, 7]) == [True, True, False, True]
    assert len(seen) == 3 and len(seen._latest) == 0 and len(seen._runs) == 1
    assert seen.first_seen([7, 1, 1, 2**64 - 1, 0]) == [False, True, False, False, True]
    assert seen.first_seen([]) == []
    assert seen.first_seen([0, 1, 5, 9]) == [False, False, False, True]
    assert len(seen) == 6 and len(seen._runs) == 2
    assert seen.first_seen([9, 0, 7, 8]) == [False, False, False, True]
