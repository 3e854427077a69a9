"""Importing a dolly-format file and exporting it again with default options gives the same bytes."""

import gzip
import json

import pytest
from django.core.files.storage import default_storage

from annotations.models import Demonstration, Origin, QualityFlag, Review, Status
from datasets import services
from datasets.formatters import neutralise_formula
from datasets.models import Release
from datasets.options import ExportOptions
from datasets.records import DollyRecord, anonymous_contributor_id, dolly_line

from .conftest import read_jsonl

pytestmark = pytest.mark.django_db


def test_the_fixture_covers_the_hard_cases(fixture_path):
    raw = fixture_path.read_bytes()
    lines = raw.decode("ascii").splitlines(keepends=True)
    records = [json.loads(line) for line in lines]
    for line, record in zip(lines, records, strict=True):
        assert line == json.dumps(record) + "\n"
    texts = "".join(r["instruction"] + r["context"] + r["response"] for r in records)
    assert {r["category"] for r in records} == {
        "open_qa",
        "closed_qa",
        "information_extraction",
        "summarization",
        "brainstorming",
        "classification",
        "creative_writing",
        "general_qa",
    }
    assert any(ord(c) > 0xFFFF for c in texts)
    assert "é" in texts and '"' in texts and "\\" in texts and "\r\n" in texts and "\n" in texts
    assert any(r["context"] == "" for r in records)
    assert max(len(r["context"]) for r in records) == 60_000
    assert any(r["instruction"] != r["instruction"].strip() for r in records)
    assert len(records) != len({json.dumps(r) for r in records}), "holds a repeated record"


def test_import_then_export_gives_identical_bytes(fixture_path, tmp_path, run_command):
    run_command("import_dataset", str(fixture_path))
    out = tmp_path / "export.jsonl"
    run_command("export_dataset", "--out", str(out))
    assert out.read_bytes() == fixture_path.read_bytes()


def test_gzip_file_round_trips_too(fixture_path, tmp_path, run_command):
    packed = tmp_path / "dolly.jsonl.gz"
    packed.write_bytes(gzip.compress(fixture_path.read_bytes()))
    out, _ = run_command("import_dataset", str(packed))
    assert "Imported 10 records" in out
    target = tmp_path / "again.jsonl"
    run_command("export_dataset", "--out", str(target))
    assert target.read_bytes() == fixture_path.read_bytes()


def test_imported_text_is_stored_exactly_with_origin_import(fixture_path, run_command):
    run_command("import_dataset", str(fixture_path))
    stored = list(Demonstration.objects.order_by("created_at", "id"))
    originals = read_jsonl(fixture_path)
    assert [d.instruction for d in stored] == [r["instruction"] for r in originals]
    assert [d.context for d in stored] == [r["context"] for r in originals]
    assert [d.response for d in stored] == [r["response"] for r in originals]
    assert all(d.origin == Origin.IMPORT and d.status == Status.APPROVED for d in stored)
    assert all(d.revisions.count() == 1 for d in stored)


def test_release_data_file_is_the_same_bytes(fixture_path, run_command, django_capture_on_commit_callbacks):
    run_command("import_dataset", str(fixture_path))
    with django_capture_on_commit_callbacks(execute=True):
        release = services.release_create(created_by=None, options=ExportOptions())
    release.refresh_from_db()
    assert release.status == Release.State.DONE, release.error
    with default_storage.open(f"{release.storage_prefix}/data.jsonl", "rb") as handle:
        assert handle.read() == fixture_path.read_bytes()


def test_utf8_option_writes_unescaped_text(fixture_path, tmp_path, run_command):
    run_command("import_dataset", str(fixture_path))
    out = tmp_path / "utf8.jsonl"
    run_command("export_dataset", "--out", str(out), "--utf8")
    expected = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in read_jsonl(fixture_path))
    assert out.read_bytes() == expected.encode("utf-8")
    assert "🦙" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "plain",
        'quote " and \\ backslash',
        "tab\tnew\nline\r\nend",
        "\u2028\u2029",
        "é😀𝔘",
        "</script>",
        "\x7f",
    ],
)
@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_dolly_line_is_what_json_dumps_writes(text, ensure_ascii):
    record = DollyRecord(instruction=text, context=text[::-1], response=text * 2, category="open_qa")
    expected = json.dumps(record.to_dict(), ensure_ascii=ensure_ascii) + "\n"
    assert dolly_line(record, ensure_ascii=ensure_ascii) == expected


def test_metadata_variant_adds_fields_but_never_names(approved, tmp_path, run_command, reviewer):
    first = approved("open_qa", instruction="Why is the sky blue?")
    second = approved("open_qa", instruction="Why is grass green?", author=first.author)
    QualityFlag.objects.create(demonstration=first, kind=QualityFlag.Kind.AI_PHRASING)
    Review.objects.create(demonstration=first, reviewer=reviewer, decision=Review.Decision.APPROVE, rating=4)
    out = tmp_path / "meta.jsonl"
    run_command("export_dataset", "--out", str(out), "--with-metadata")
    rows = read_jsonl(out)
    assert list(rows[0]) == [
        "instruction",
        "context",
        "response",
        "category",
        "id",
        "created_at",
        "contributor",
        "contests",
        "review_rating",
        "flags",
    ]
    assert rows[0]["id"] == str(first.public_id)
    assert rows[0]["review_rating"] == 4 and rows[1]["review_rating"] is None
    assert rows[0]["flags"] == ["ai_phrasing"] and rows[1]["flags"] == []
    assert rows[0]["contributor"] == rows[1]["contributor"] == anonymous_contributor_id(first.author_id)
    assert second.author_id == first.author_id
    raw = out.read_text()
    assert first.author.username not in raw and first.author.email not in raw
    assert str(first.author_id) != rows[0]["contributor"]


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_tabular_formats_hold_the_same_records(fixture_path, tmp_path, run_command, fmt):
    import pandas as pd

    run_command("import_dataset", str(fixture_path))
    out = tmp_path / f"data.{fmt}"
    run_command("export_dataset", "--out", str(out), "--format", fmt)
    frame = pd.read_parquet(out) if fmt == "parquet" else pd.read_csv(out, keep_default_na=False, dtype=str)
    assert list(frame.columns) == ["instruction", "context", "response", "category"]
    expected = read_jsonl(fixture_path)
    if fmt == "csv":  # cells that start like a spreadsheet formula carry a quote in front there
        expected = [{name: neutralise_formula(value) for name, value in record.items()} for record in expected]
    assert frame.to_dict("records") == expected
