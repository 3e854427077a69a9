"""Each export filter, through the same pipeline the command, the pages and the API use."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from annotations.models import Category, Demonstration, QualityFlag, Status
from datasets import sources
from datasets.options import ExportOptions, parse_split
from datasets.services import export_to_path
from leaderboard.models import Contest

from .conftest import read_jsonl

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    """Several chunks even for a handful of records, so chunk boundaries are exercised."""
    monkeypatch.setattr(sources, "CHUNK_SIZE", 2)


def export(tmp_path, **filters):
    formats = filters.pop("formats", ["jsonl"])
    export_to_path(ExportOptions.from_dict(filters, formats=formats), tmp_path)
    return [r["instruction"] for r in read_jsonl(tmp_path / "data.jsonl")]


def test_default_is_approved_only_in_creation_order(approved, tmp_path):
    first = approved(instruction="first")
    approved(instruction="draft", status=Status.DRAFT)
    approved(instruction="submitted", status=Status.SUBMITTED)
    approved(instruction="rejected", status=Status.REJECTED)
    last = approved(instruction="last")
    Demonstration.objects.filter(pk=first.pk).update(created_at=last.created_at)
    assert export(tmp_path) == ["first", "last"]


def test_status_filter_takes_several(approved, tmp_path):
    approved(instruction="a")
    approved(instruction="s", status=Status.SUBMITTED)
    approved(instruction="r", status=Status.REJECTED)
    assert export(tmp_path, statuses=["approved", "submitted"]) == ["a", "s"]


def test_category_filter(approved, tmp_path):
    approved("open_qa", instruction="open")
    approved("closed_qa", instruction="closed")
    approved("brainstorming", instruction="ideas")
    assert export(tmp_path, categories=["closed_qa", "brainstorming"]) == ["closed", "ideas"]


def test_date_range_is_inclusive_by_day(approved, tmp_path):
    days = {"before": 1, "start": 2, "end": 4, "after": 5}
    for name, day in days.items():
        record = approved(instruction=name)
        moment = timezone.make_aware(datetime.datetime(2025, 3, day, 23, 59))
        Demonstration.objects.filter(pk=record.pk).update(created_at=moment)
    assert export(tmp_path, created_from="2025-03-02", created_to="2025-03-04") == ["start", "end"]


def test_contest_filter_takes_records_submitted_during_it_in_its_categories(approved, tmp_path):
    start = timezone.make_aware(datetime.datetime(2025, 6, 1))
    contest = Contest.objects.create(
        name="June", slug="june", starts_at=start, ends_at=start + datetime.timedelta(days=30)
    )
    contest.categories.set(Category.objects.filter(key__in=["open_qa", "closed_qa"]))
    for name, key, day in [
        ("in", "open_qa", 3),
        ("in too", "closed_qa", 29),
        ("wrong category", "brainstorming", 3),
        ("before", "open_qa", -1),
        ("after", "open_qa", 30),
    ]:
        record = approved(key, instruction=name)
        Demonstration.objects.filter(pk=record.pk).update(submitted_at=start + datetime.timedelta(days=day))
    assert export(tmp_path, contest="june") == ["in", "in too"]
    export_to_path(ExportOptions.from_dict({"with_metadata": True}), tmp_path)
    contests = {r["instruction"]: r["contests"] for r in read_jsonl(tmp_path / "data.jsonl")}
    assert contests == {"in": ["june"], "in too": ["june"], "wrong category": [], "before": [], "after": []}


def test_exclude_flagged_leaves_out_the_export_kinds_only(approved, tmp_path):
    kept_clean = approved(instruction="clean")
    for kind in QualityFlag.EXPORT_EXCLUDED_KINDS:
        QualityFlag.objects.create(demonstration=approved(instruction=f"flagged {kind}"), kind=kind)
    minor = approved(instruction="short answer")
    QualityFlag.objects.create(demonstration=minor, kind=QualityFlag.Kind.RESPONSE_TOO_SHORT)
    assert export(tmp_path, exclude_flagged=True) == [kept_clean.instruction, "short answer"]
    assert len(export(tmp_path)) == 6


def test_dedupe_keeps_the_first_of_normalised_duplicates(approved, tmp_path):
    approved(instruction="What is DNA?", response="A molecule.")
    approved(instruction="what  is dna? ", response="A   molecule.")
    approved(instruction="What is RNA?", response="A molecule.")
    approved(instruction="What is DNA?", response="A molecule.")
    assert export(tmp_path, dedupe=True) == ["What is DNA?", "What is RNA?"]


def test_strip_citations_removes_bracketed_numbers_from_context(approved, tmp_path):
    approved("closed_qa", instruction="q", context="Paris is the capital[1] of France.[23] See [a] and [note].")
    export_to_path(ExportOptions.from_dict({"strip_citations": True}), tmp_path)
    assert read_jsonl(tmp_path / "data.jsonl")[0]["context"] == "Paris is the capital of France. See [a] and [note]."
    export_to_path(ExportOptions(), tmp_path)
    assert "[23]" in read_jsonl(tmp_path / "data.jsonl")[0]["context"]


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"categories": ["poetry"]}, "categories"),
        ({"contest": "no-such-contest"}, "contest"),
        ({"statuses": ["published"]}, "statuses"),
        ({"created_from": "yesterday"}, "created_from"),
        ({"created_from": "2025-02-01", "created_to": "2025-01-01"}, "created_to"),
        ({"test_fraction": 1.5}, "test_fraction"),
        ({"seed": -1}, "seed"),
        ({"dedupe": "yes"}, "dedupe"),
        ({"colour": "blue"}, "filters"),
    ],
)
def test_bad_filters_are_refused_by_name(filters, field):
    with pytest.raises(ValidationError) as error:
        ExportOptions.from_dict(filters)
    assert field in error.value.message_dict


def test_bad_format_is_refused():
    with pytest.raises(ValidationError) as error:
        ExportOptions.from_dict({}, formats=["xlsx"])
    assert "formats" in error.value.message_dict


@pytest.mark.parametrize("spec", ["0.1", "train=0.9", "test=abc", "test=0", "test=1"])
def test_bad_split_spec_is_refused(spec):
    with pytest.raises(ValidationError):
        parse_split(spec)


def test_export_command_options_reach_the_pipeline(approved, tmp_path, run_command):
    approved("open_qa", instruction="open")
    approved("closed_qa", instruction="closed")
    out = tmp_path / "only.jsonl"
    stdout, _ = run_command("export_dataset", "--out", str(out), "--category", "closed_qa")
    assert [r["instruction"] for r in read_jsonl(out)] == ["closed"]
    assert "Exported 1 records." in stdout


def test_export_command_reports_bad_options(run_command, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="categories: Unknown category: poetry"):
        run_command("export_dataset", "--out", str(tmp_path / "x.jsonl"), "--category", "poetry")
    with pytest.raises(CommandError, match="does not exist"):
        run_command("export_dataset", "--out", str(tmp_path / "missing" / "x.jsonl"))
